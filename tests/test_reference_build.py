"""Building the reference database: what is stored, no-op re-ingest, all-or-nothing loads, zips."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from openrvu.cms.errors import CmsFormatError
from openrvu.reference.build import LOADED, REPLACED, SKIPPED, UNCHANGED, ingest
from openrvu.reference.db import ReferenceDB


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def test_everything_is_stored(reference_path: Path) -> None:
    with sqlite3.connect(reference_path) as conn:
        per_release = dict(conn.execute("SELECT release, COUNT(*) FROM rvu GROUP BY release").fetchall())
        files = {r[0]: r[1] for r in conn.execute("SELECT name, row_count FROM source_file")}
    assert per_release == {"RVU25D": 19_090, "RVU26C": 19_356}
    assert files["PPRRVU2025_Oct.csv"] == 19_090
    assert files["GPCI2026.csv"] == 109
    assert files["ZIP5_OCT2025.txt.gz"] == 42_956
    assert files["HCPC2025_OCT_ANWEB.csv"] == 8_846
    assert "HCPC2025_OCT_ANWEB.xlsx" not in files  # the twin of the CSV


def test_reingest_changes_nothing(reference_path: Path, cms_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "reference.sqlite"
    shutil.copy(reference_path, copy)
    before = _digest(copy)
    report = ingest(copy, [cms_dir])
    assert not report.changed
    stored = [f for f in report.files if f.kind and f.kind != "payment_amounts"]
    assert stored and all(f.status == UNCHANGED for f in stored)
    assert _digest(copy) == before


@pytest.mark.parametrize("damage", ["truncated", "header removed", "non-numeric RVU", "wrong file"])
def test_bad_file_leaves_database_as_it_was(
    damage: str, reference_path: Path, cms_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "reference.sqlite"
    shutil.copy(reference_path, copy)
    before = _digest(copy)
    source = (cms_dir / "pfs_rvu_2025/PPRRVU2025_Oct.csv").read_bytes()
    lines = source.decode("ascii").splitlines(keepends=True)
    folder = tmp_path / "rvu24d"
    folder.mkdir()
    # A good GPCI for another year rides along: it must not be stored either.
    (folder / "GPCI2024.csv").write_bytes(
        (cms_dir / "pfs_rvu_2025/GPCI2025.csv").read_bytes().replace(b"2025", b"2024")
    )
    bad = folder / "PPRRVU2024_Oct.csv"
    if damage == "truncated":
        bad.write_bytes(source.replace(b"2025 National", b"2024 National")[: len(source) * 2 // 3])
    elif damage == "header removed":
        bad.write_text("".join(lines[:9] + lines[10:]).replace("2025 National", "2024 National"))
    elif damage == "non-numeric RVU":
        lines[500] = lines[500].replace(",0.00,", ",zero,", 1)
        bad.write_text("".join(lines).replace("2025 National", "2024 National"))
    else:
        bad = folder / "rvu24d.csv"  # explicitly named below: an unknown layout
        shutil.copy(cms_dir / "reference_codes/place_of_service_codes.csv", bad)
    with pytest.raises(CmsFormatError) as err:
        ingest(copy, [folder / "GPCI2024.csv", bad])
    assert err.value.path == str(bad)
    assert err.value.line is not None
    if damage != "wrong file":
        assert err.value.line > 1 or damage == "header removed"
    assert _digest(copy) == before


def test_failed_first_load_leaves_no_file(cms_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.sqlite"
    bad = tmp_path / "ANES2025.csv"
    bad.write_text((cms_dir / "pfs_rvu_2025/ANES2025.csv").read_text().replace("27.86", "2x.86", 1))
    with pytest.raises(CmsFormatError):
        ingest(target, [cms_dir / "pfs_rvu_2025/GPCI2025.csv", bad])
    assert not target.exists()


def test_official_zip(cms_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "rvu25d.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("PPRRVU2025_Oct.csv", "GPCI2025.csv", "ANES2025.csv", "25LOCCO.csv", "OPPSCAP_Oct.csv"):
            z.write(cms_dir / "pfs_rvu_2025" / name, name)
        z.writestr("RVU25D.pdf", b"%PDF-1.4 documentation")
    target = tmp_path / "ref.sqlite"
    report = ingest(target, [archive])
    assert {f.name.split("!")[-1] for f in report.by_status(LOADED)} == {
        "PPRRVU2025_Oct.csv", "GPCI2025.csv", "ANES2025.csv", "25LOCCO.csv", "OPPSCAP_Oct.csv",
    }  # fmt: skip
    with ReferenceDB(target) as db:
        assert [r.name for r in db.releases()] == ["RVU25D"]
        assert db.opps_cap("RVU25D", "0633T", "TC", "01112", "05") is not None  # OPPSCAP attached to 2025
        assert {f.kind for f in db.release("RVU25D").source_files} == {
            "pprrvu",
            "gpci",
            "anes",
            "locco",
            "oppscap",
        }


def test_yearly_file_replaced_and_release_never_changed(cms_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "ref.sqlite"
    ingest(target, [cms_dir / "pfs_rvu_2025/GPCI2025.csv"])
    edited = tmp_path / "GPCI2025.csv"
    edited.write_text((cms_dir / "pfs_rvu_2025/GPCI2025.csv").read_text().replace("0.869", "0.870", 1))
    report = ingest(target, [edited])
    assert [f.status for f in report.files] == [REPLACED]
    assert _counts(target)["gpci"] == 109

    first = ingest(target, [cms_dir / "pfs_rvu_2025/PPRRVU2025_Oct.csv"])
    assert [f.status for f in first.files] == [LOADED]
    other = tmp_path / "copy" / "PPRRVU2025_Oct.csv"
    other.parent.mkdir()
    other.write_bytes(
        (cms_dir / "pfs_rvu_2025/PPRRVU2025_Oct.csv").read_bytes().replace(b"1.30,", b"1.31,", 1)
    )
    again = ingest(target, [other])
    assert [f.status for f in again.files] == [SKIPPED]
    assert "stored once" in again.files[0].detail
    with ReferenceDB(target) as db:
        assert str(db.rvu("RVU25D", "99213").work_rvu) == "1.30"  # type: ignore[union-attr]


def test_progress_is_reported(cms_dir: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    ingest(tmp_path / "r.sqlite", [cms_dir / "pfs_rvu_2026"], progress=lambda s, d, t: seen.append((s, d, t)))
    assert seen[0][1] == 0 and seen[-1][0] == "done" and seen[-1][1] == seen[-1][2]
    assert any("PPRRVU2026_Jul_nonQPP.csv" in s for s, _, _ in seen)


def test_qp_variant_adds_the_qp_conversion_factor(cms_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rvu26c"
    folder.mkdir()
    source = (cms_dir / "pfs_rvu_2026/PPRRVU2026_Jul_nonQPP.csv").read_bytes()
    (folder / "PPRRVU2026_Jul_nonQPP.csv").write_bytes(source)
    (folder / "PPRRVU2026_Jul_QPP.csv").write_bytes(source.replace(b",33.4009,", b",33.5675,"))
    target = tmp_path / "ref.sqlite"
    report = ingest(target, [folder])
    assert [f.status for f in report.files] == [LOADED, LOADED]
    with ReferenceDB(target) as db:
        release = db.release("RVU26C")
        assert (str(release.conv_factor), str(release.conv_factor_qp)) == ("33.4009", "33.5675")
        assert str(db.rvu("RVU26C", "99213").conv_factor) == "33.4009"  # type: ignore[union-attr]
        assert len(release.source_files) == 2
