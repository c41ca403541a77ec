"""Finding CMS files in folders and zips, by content."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from openrvu.cms import discover as kinds
from openrvu.cms.discover import discover
from openrvu.cms.errors import CmsFormatError


def test_the_shared_folder(cms_dir: Path) -> None:
    found = discover([cms_dir])
    by_kind: dict[str, list[str]] = {}
    for item in found.inputs:
        by_kind.setdefault(item.kind, []).append(item.name)
    assert sorted(by_kind[kinds.PPRRVU]) == ["PPRRVU2025_Oct.csv", "PPRRVU2026_Jul_nonQPP.csv"]
    assert sorted(by_kind[kinds.GPCI]) == ["GPCI2025.csv", "GPCI2026.csv"]
    assert by_kind[kinds.OPPSCAP] == ["OPPSCAP_Oct.csv"]
    assert by_kind[kinds.ZIP5] == ["ZIP5_OCT2025.txt.gz"]
    assert by_kind[kinds.HCPCS2] == ["HCPC2025_OCT_ANWEB.csv"]  # the .xlsx twin is passed over
    assert len(by_kind[kinds.PAYMENT_AMOUNTS]) == 2
    skipped = dict(found.skipped)
    assert any(name.endswith("HCPC2025_OCT_ANWEB.xlsx") and "twin" in why for name, why in skipped.items())
    assert any(name.endswith("place_of_service_codes.csv") for name in skipped)


def test_content_not_name_decides(cms_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "localities.csv"
    shutil.copy(cms_dir / "pfs_rvu_2025/GPCI2025.csv", odd)
    assert [i.kind for i in discover([odd]).inputs] == [kinds.GPCI]


def test_zip(cms_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "rvu25d.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(cms_dir / "pfs_rvu_2025/ANES2025.csv", "ANES2025.csv")
        z.write(cms_dir / "pfs_rvu_2025/OPPSCAP_Oct.csv", "OPPSCAP_Oct.csv")
        z.writestr("RVU25D.pdf", b"%PDF-1.4")
    found = discover([archive])
    assert [(i.kind, i.display) for i in found.inputs] == [
        (kinds.ANES, f"{archive}!ANES2025.csv"),
        (kinds.OPPSCAP, f"{archive}!OPPSCAP_Oct.csv"),
    ]
    assert found.inputs[1].names[:2] == ["OPPSCAP_Oct.csv", "rvu25d.zip"]


def test_explicit_unknown_file_is_an_error(cms_dir: Path) -> None:
    with pytest.raises(CmsFormatError, match="unknown layout"):
        discover([cms_dir / "reference_codes/place_of_service_codes.csv"])


def test_missing_path_and_bad_zip(tmp_path: Path) -> None:
    with pytest.raises(CmsFormatError, match="no such file"):
        discover([tmp_path / "nope"])
    bad = tmp_path / "rvu26a.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CmsFormatError, match="zip"):
        discover([bad])
