"""PPRRVU parsing on the real CMS files, and on damaged copies of them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from openrvu.cms.errors import CmsFormatError
from openrvu.cms.rvu_file import parse_pprrvu

RVU25 = "pfs_rvu_2025/PPRRVU2025_Oct.csv"
RVU26 = "pfs_rvu_2026/PPRRVU2026_Jul_nonQPP.csv"


@pytest.fixture(scope="module")
def rvu25(cms_dir: Path):  # type: ignore[no-untyped-def]
    return parse_pprrvu(cms_dir / RVU25)


@pytest.fixture(scope="module")
def rvu26(cms_dir: Path):  # type: ignore[no-untyped-def]
    return parse_pprrvu(cms_dir / RVU26)


def _row(parsed, hcpcs: str, modifier: str = ""):  # type: ignore[no-untyped-def]
    return next(r for r in parsed.rows if r.hcpcs == hcpcs and r.modifier == modifier)


def test_row_counts_and_release(rvu25, rvu26) -> None:  # type: ignore[no-untyped-def]
    assert len(rvu25.rows) == 19_090
    assert len(rvu26.rows) == 19_356
    assert rvu25.release.name == "RVU25D"
    assert rvu26.release.name == "RVU26C"
    assert str(rvu25.release.effective_date) == "2025-10-01"
    assert str(rvu26.release.released_on) == "2026-06-30"
    assert rvu25.conv_factor == Decimal("32.3465")
    assert rvu26.conv_factor == Decimal("33.4009")
    assert not rvu26.qp_variant


def test_header_merged_by_name(rvu25, rvu26) -> None:  # type: ignore[no-untyped-def]
    assert len(rvu25.columns) == 31
    assert len(rvu26.columns) == 32
    assert "PRIC IND" in rvu26.columns and "PRIC IND" not in rvu25.columns
    assert rvu26.columns[4] == "NOT USED FOR MEDICARE PAYMENT"
    assert rvu26.columns[-1] == "MP USED FOR OPPS PAYMENT AMOUNT"


def test_known_values(rvu25, rvu26) -> None:  # type: ignore[no-untyped-def]
    assert _row(rvu25, "99213").work_rvu == Decimal("1.30") == _row(rvu26, "99213").work_rvu
    assert _row(rvu25, "27447").work_rvu == Decimal("19.60")
    assert _row(rvu26, "27447").work_rvu == Decimal("19.11")
    knee = _row(rvu25, "27447")
    assert (knee.pre_op, knee.intra_op, knee.post_op) == (Decimal("0.10"), Decimal("0.69"), Decimal("0.21"))
    assert knee.global_days == "090" and knee.nonfac_na and not knee.fac_na
    mri = _row(rvu25, "70557")
    assert (mri.status_code, mri.work_rvu) == ("C", Decimal("0.00"))
    assert (_row(rvu25, "70557", "26").status_code, _row(rvu25, "70557", "26").work_rvu) == (
        "A",
        Decimal("2.90"),
    )
    assert _row(rvu25, "99396").not_used_for_medicare
    assert not _row(rvu25, "99213").not_used_for_medicare
    assert _row(rvu25, "G0320").status_code == "X"
    # CY2026 rows carry PRIC IND, CY2025 rows have none; CONV FACTOR moved one column and still parses.
    assert _row(rvu26, "99213").pric_ind == "9" and _row(rvu25, "99213").pric_ind is None
    assert _row(rvu26, "99213").conv_factor == Decimal("33.4009")
    assert _row(rvu26, "99213").imaging_family == "99"


def _lines(cms_dir: Path, name: str) -> list[str]:
    return (cms_dir / name).read_bytes().decode("ascii").splitlines(keepends=True)


def test_columns_found_by_name_not_position(cms_dir: Path, tmp_path: Path, rvu25) -> None:  # type: ignore[no-untyped-def]
    """Swap WORK RVU and MP RVU (header included): values follow their names."""
    rows = list(csv.reader(io.StringIO((cms_dir / RVU25).read_text(encoding="ascii"), newline="")))
    for cells in rows:
        if len(cells) > 10:
            cells[5], cells[10] = cells[10], cells[5]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_text(out.getvalue(), encoding="ascii")
    swapped = parse_pprrvu(path)
    assert _row(swapped, "27447").work_rvu == Decimal("19.60")
    assert _row(swapped, "27447").mp_rvu == _row(rvu25, "27447").mp_rvu


def test_truncated_file(cms_dir: Path, tmp_path: Path) -> None:
    data = (cms_dir / RVU25).read_bytes()
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CmsFormatError) as err:
        parse_pprrvu(path)
    assert err.value.path == str(path)
    assert err.value.line is not None and err.value.line > 10
    assert err.value.column is not None
    assert "truncated" in str(err.value)


def test_header_removed(cms_dir: Path, tmp_path: Path) -> None:
    lines = _lines(cms_dir, RVU25)
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_text("".join(lines[:9] + lines[10:]), encoding="ascii")
    with pytest.raises(CmsFormatError) as err:
        parse_pprrvu(path)
    assert "no header" in str(err.value) and "HCPCS,MOD" in str(err.value)
    assert err.value.line == 1


def test_non_numeric_rvu(cms_dir: Path, tmp_path: Path) -> None:
    lines = _lines(cms_dir, RVU25)
    target = next(i for i, line in enumerate(lines) if line.startswith("99213,,"))
    cells = lines[target].split(",")
    cells[5] = "1.3O"
    lines[target] = ",".join(cells)
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_text("".join(lines), encoding="ascii")
    with pytest.raises(CmsFormatError) as err:
        parse_pprrvu(path)
    assert err.value.line == target + 1
    assert err.value.column == "WORK RVU"
    assert "'1.3O' is not a number" in str(err.value)


def test_missing_required_column(cms_dir: Path, tmp_path: Path) -> None:
    lines = _lines(cms_dir, RVU25)
    lines[9] = lines[9].replace(",RVU,PE RVU,", ",XXX,PE RVU,", 1)  # WORK RVU becomes "WORK XXX"
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_text("".join(lines), encoding="ascii")
    with pytest.raises(CmsFormatError) as err:
        parse_pprrvu(path)
    assert err.value.column == "WORK RVU" and err.value.line == 10


def test_wrong_file(cms_dir: Path) -> None:
    with pytest.raises(CmsFormatError) as err:
        parse_pprrvu(cms_dir / "pfs_rvu_2025/GPCI2025.csv")
    assert "GPCI2025.csv" in str(err.value) and "header" in str(err.value)


def test_xlsx_twin_reads_like_the_csv(cms_dir: Path, tmp_path: Path, rvu25) -> None:  # type: ignore[no-untyped-def]
    """An XLSX written from the first 300 lines parses to the same rows (numbers as numbers)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("PPRRVU25")
    rows = list(csv.reader(io.StringIO("".join(_lines(cms_dir, RVU25)[:300]), newline="")))
    for i, cells in enumerate(rows):
        if i >= 10:
            # Excel keeps numbers as numbers: 99213 -> 99213, 0.10 -> 0.1, 090 -> 90.
            cells = [float(c) if c.replace(".", "", 1).isdigit() and "." in c else c for c in cells]
            cells[0] = int(cells[0]) if str(cells[0]).isdigit() else cells[0]
        sheet.append(cells)
    path = tmp_path / "PPRRVU2025_Oct.xlsx"
    book.save(path)
    parsed = parse_pprrvu(path)
    assert parsed.release.name == "RVU25D"
    assert parsed.rows == rvu25.rows[:290]
