"""The PFALL/PFREV payment-amount parser on the real revision files and on broken copies."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from openrvu.cms.errors import CmsFormatError
from openrvu.cms.payment_amounts import parse_payment_amounts


def test_real_files_counts_trailers_and_duplicates(cms_dir: Path) -> None:
    c = parse_payment_amounts(cms_dir / "pfs_payment_2025" / "PFREV25C.txt")
    d = parse_payment_amounts(cms_dir / "pfs_payment_2025" / "PFREV25D_PFREV4.txt")
    assert len(c) == 109 and len(d) == 763  # 1,526 data rows, each record twice (1- and 2-space modifier)
    manhattan = next(r for r in c if (r.carrier, r.locality) == ("13202", "01"))
    assert (manhattan.hcpcs, manhattan.modifier, manhattan.nonfac_amount) == ("76145", "", Decimal("1122.21"))
    assert {r.modifier for r in d} == {"", "26", "TC"}


def test_bad_amount_names_line_and_field(cms_dir: Path, tmp_path: Path) -> None:
    raw = (cms_dir / "pfs_payment_2025" / "PFREV25C.txt").read_bytes().split(b"\r\n")
    raw[2] = (
        raw[2].replace(b'"0001122', b'"00X1122', 1)
        if b'"0001122' in raw[2]
        else raw[2][:40] + b"X" + raw[2][41:]
    )
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\r\n".join(raw))
    with pytest.raises(CmsFormatError) as err:
        parse_payment_amounts(bad)
    assert err.value.line == 3 and err.value.column is not None


def test_conflicting_duplicate_is_an_error(cms_dir: Path, tmp_path: Path) -> None:
    lines = (cms_dir / "pfs_payment_2025" / "PFREV25C.txt").read_bytes().split(b"\r\n")
    dup = lines[0].replace(b'","  ","', b'"," ","', 1)
    fields = dup.split(b",")
    fields[5] = b'"0000001.00"'
    bad = tmp_path / "dup.txt"
    bad.write_bytes(b"\r\n".join([lines[0], b",".join(fields)]))
    with pytest.raises(CmsFormatError, match="repeats line 1"):
        parse_payment_amounts(bad)


def test_wrong_field_count(tmp_path: Path) -> None:
    bad = tmp_path / "short.txt"
    bad.write_bytes(b'"2025","13202","01"\r\n')
    with pytest.raises(CmsFormatError, match="3 fields"):
        parse_payment_amounts(bad)
