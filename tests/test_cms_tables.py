"""GPCI, LOCCO, ANES, OPPSCAP, ZIP5 and HCPCS Level II parsing on the real CMS files."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest

from openrvu.cms.anes import parse_anes
from openrvu.cms.counties import parse_locco
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.gpci import parse_gpci
from openrvu.cms.hcpcs2 import parse_hcpcs2
from openrvu.cms.opps_cap import parse_oppscap
from openrvu.cms.zip5 import parse_zip5


def test_gpci_2026_has_both_work_gpcis(cms_dir: Path) -> None:
    parsed = parse_gpci(cms_dir / "pfs_rvu_2026/GPCI2026.csv")
    assert parsed.year == 2026 and len(parsed.rows) == 109
    alabama = next(r for r in parsed.rows if r.state == "AL")
    assert (alabama.carrier, alabama.locality) == ("10112", "00")
    assert alabama.work_gpci == Decimal("1.000") and alabama.work_gpci_unfloored == Decimal("0.988")
    alaska = next(r for r in parsed.rows if r.state == "AK")
    assert (alaska.carrier, alaska.name, alaska.work_gpci) == ("02102", "ALASKA", Decimal("1.500"))


def test_gpci_2025_only_floored(cms_dir: Path) -> None:
    parsed = parse_gpci(cms_dir / "pfs_rvu_2025/GPCI2025.csv")
    assert parsed.year == 2025 and len(parsed.rows) == 109
    assert all(r.work_gpci_unfloored is None for r in parsed.rows)
    manhattan = next(r for r in parsed.rows if (r.carrier, r.locality) == ("13202", "01"))
    assert manhattan.state == "NY"
    assert len({(r.carrier, r.locality) for r in parsed.rows}) == 109


def test_locco_pads_codes_and_carries_state(cms_dir: Path) -> None:
    parsed = parse_locco(cms_dir / "pfs_rvu_2025/25LOCCO.csv")
    assert parsed.year == 2025
    alaska = next(r for r in parsed.rows if r.state == "ALASKA")
    assert (alaska.carrier, alaska.locality) == ("02102", "01")  # written "2102,1" in the file
    marin = next(r for r in parsed.rows if r.counties == "MARIN")
    assert (marin.carrier, marin.locality, marin.state) == (
        "01112",
        "52",
        "CALIFORNIA",
    )  # state on an earlier row
    missouri = [r for r in parsed.rows if (r.carrier, r.locality) == ("05302", "99")]
    assert len(missouri) == 2  # listed twice in the CMS file
    assert len(parsed.rows) == 110


def test_anes_qp_and_non_qp(cms_dir: Path) -> None:
    a26 = parse_anes(cms_dir / "pfs_rvu_2026/ANES2026.csv")
    alaska = next(r for r in a26.rows if r.carrier == "02102")
    assert alaska.locality == "01"  # "01 " with a trailing space in the file
    assert alaska.conv_factor == Decimal("28.15") and alaska.conv_factor_qp == Decimal("28.29")
    assert a26.national_cf == Decimal("20.49754") and a26.national_cf_qp == Decimal("20.599835")
    a25 = parse_anes(cms_dir / "pfs_rvu_2025/ANES2025.csv")
    assert len(a25.rows) == 109 and a25.national_cf == Decimal("20.3178")
    assert all(r.conv_factor_qp is None for r in a25.rows)


def test_oppscap(cms_dir: Path) -> None:
    parsed = parse_oppscap(cms_dir / "pfs_rvu_2025/OPPSCAP_Oct.csv")
    assert len(parsed.rows) == 16_100
    first = parsed.rows[0]
    assert (first.hcpcs, first.modifier, first.carrier, first.locality) == ("0633T", "TC", "01112", "05")
    assert first.fac_price == Decimal("150.69")


def test_zip5_gzip_and_plain_agree(cms_dir: Path, tmp_path: Path) -> None:
    gz = cms_dir / "zip_locality_2025/ZIP5_OCT2025.txt.gz"
    plain = tmp_path / "ZIP5_OCT2025.txt"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    a, b = parse_zip5(gz), parse_zip5(plain)
    assert a.rows == b.rows and a.vintage == "20254" and len(a.rows) == 42_956
    by_zip = {r.zip5: r for r in a.rows}
    assert (by_zip["10001"].carrier, by_zip["10001"].locality) == ("13202", "01")
    assert (by_zip["94103"].carrier, by_zip["94103"].locality) == ("01112", "05")
    assert (by_zip["75201"].carrier, by_zip["75201"].locality) == ("04412", "11")


def test_zip5_truncated(cms_dir: Path, tmp_path: Path) -> None:
    data = gzip.decompress((cms_dir / "zip_locality_2025/ZIP5_OCT2025.txt.gz").read_bytes())
    path = tmp_path / "ZIP5_OCT2025.txt"
    path.write_bytes(data[:1000])
    with pytest.raises(CmsFormatError) as err:
        parse_zip5(path)
    assert err.value.line == 1000 // 82 + 1 and "truncated" in str(err.value)
    cut = tmp_path / "ZIP5_OCT2025.txt.gz"
    cut.write_bytes((cms_dir / "zip_locality_2025/ZIP5_OCT2025.txt.gz").read_bytes()[:5000])
    with pytest.raises(CmsFormatError, match="gzip"):
        parse_zip5(cut)


def test_hcpcs_level2_csv(cms_dir: Path) -> None:
    parsed = parse_hcpcs2(cms_dir / "hcpcs_level2_2025/HCPC2025_OCT_ANWEB.csv")
    assert parsed.vintage == "2025-10"
    assert len(parsed.rows) == 8_846
    modifiers = [r for r in parsed.rows if r.is_modifier]
    assert len(modifiers) == 383 and all(len(r.hcpcs) == 2 for r in modifiers)
    assert {"GT", "TC", "XS"} <= {r.hcpcs for r in modifiers}
    g0320 = next(r for r in parsed.rows if r.hcpcs == "G0320")
    assert g0320.long_description.startswith("Home health services furnished using synchronous telemedicine")
    assert g0320.short_description == "Two-way audio and video hhs" and g0320.betos == "Z2"
    assert str(g0320.added) == "2023-01-01"


def test_hcpcs_level2_xlsx(cms_dir: Path, tmp_path: Path) -> None:
    """The XLSX path on a small sheet written from the CSV conversion (the real XLSX takes seconds)."""
    import csv

    import openpyxl

    with (cms_dir / "hcpcs_level2_2025/HCPC2025_OCT_ANWEB.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for _, r in zip(range(60), csv.reader(f), strict=False)]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("HCPC2025_OCT_ANWEB")
    for cells in rows:
        sheet.append(cells)
    path = tmp_path / "HCPC2025_OCT_ANWEB.xlsx"
    book.save(path)
    parsed = parse_hcpcs2(path)
    assert len(parsed.rows) == 59 and parsed.rows[0].hcpcs == "A1" and parsed.rows[0].is_modifier


@pytest.mark.parametrize(
    ("parser", "name"),
    [
        (parse_gpci, "pfs_rvu_2025/ANES2025.csv"),
        (parse_locco, "pfs_rvu_2025/GPCI2025.csv"),
        (parse_anes, "pfs_rvu_2025/25LOCCO.csv"),
        (parse_oppscap, "pfs_rvu_2025/GPCI2025.csv"),
        (parse_hcpcs2, "pfs_rvu_2025/GPCI2025.csv"),
        (parse_zip5, "pfs_rvu_2025/GPCI2025.csv"),
    ],
)
def test_wrong_file_is_a_format_error(parser, name: str, cms_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CmsFormatError) as err:
        parser(cms_dir / name)
    assert err.value.path.endswith(Path(name).name)
    assert err.value.line is not None


def test_damaged_xlsx(tmp_path: Path) -> None:
    """A workbook whose sheet XML is cut short is a CmsFormatError, not an XML error."""
    import io
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"])
    sheet.append(["G0320", "3", "Home health services", "Two-way audio and video hhs"])
    whole = io.BytesIO()
    book.save(whole)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole.getvalue())) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    path = tmp_path / "HCPC2025_OCT_ANWEB.xlsx"
    path.write_bytes(damaged.getvalue())
    with pytest.raises(CmsFormatError, match="damaged"):
        parse_hcpcs2(path)
