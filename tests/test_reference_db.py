"""ReferenceDB lookups against the database built from the real CMS files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import NoReleaseForDate, ReferenceNotBuilt, UnknownRelease


def test_releases(reference: ReferenceDB) -> None:
    releases = reference.releases()
    assert [r.name for r in releases] == ["RVU25D", "RVU26C"]
    r25, r26 = releases
    assert r25.conv_factor == Decimal("32.3465") and r26.conv_factor == Decimal("33.4009")
    assert (r25.effective_date, r26.effective_date) == (date(2025, 10, 1), date(2026, 7, 1))
    assert (r25.rvu_rows, r26.rvu_rows) == (19_090, 19_356)
    files = {f.name: f for f in r26.source_files}
    assert files["PPRRVU2026_Jul_nonQPP.csv"].sha256.startswith("b7d197e7")
    assert {"GPCI2026.csv", "26LOCCO.csv", "ANES2026.csv"} <= set(files)
    assert "OPPSCAP_Oct.csv" in {f.name for f in r25.source_files}
    assert reference.release("rvu26c").name == "RVU26C"
    with pytest.raises(UnknownRelease, match="RVU26A"):
        reference.release("RVU26A")


def test_rvu_rows(reference: ReferenceDB) -> None:
    assert reference.rvu("RVU25D", "99213").work_rvu == Decimal("1.30")  # type: ignore[union-attr]
    assert reference.rvu("RVU26C", "99213").work_rvu == Decimal("1.30")  # type: ignore[union-attr]
    assert reference.rvu("RVU25D", "27447").work_rvu == Decimal("19.60")  # type: ignore[union-attr]
    assert reference.rvu("RVU26C", "27447").work_rvu == Decimal("19.11")  # type: ignore[union-attr]
    mri = reference.rvu_rows("RVU25D", "70557")
    assert [(r.modifier, r.status_code, str(r.work_rvu)) for r in mri] == [
        ("", "C", "0.00"),
        ("26", "A", "2.90"),
        ("TC", "C", "0.00"),
    ]
    assert reference.rvu("RVU25D", "99396").not_used_for_medicare  # type: ignore[union-attr]
    assert reference.rvu("RVU25D", "G0320").status_code == "X"  # type: ignore[union-attr]
    assert reference.rvu("RVU25D", "99213", "26") is None
    assert reference.rvu("RVU25D", "ZZZZZ") is None
    rows = list(reference.iter_rvu("RVU25D"))
    assert len(rows) == 19_090 and rows == sorted(rows, key=lambda r: (r.hcpcs, r.modifier))


def test_release_for_date(reference: ReferenceDB) -> None:
    assert reference.release_for_date(date(2025, 11, 3)) == (reference.release("RVU25D"), [])
    assert reference.release_for_date(date(2026, 7, 1)) == (reference.release("RVU26C"), [])
    # Before the only 2026 release: the nearest one of that year, saying what is missing.
    early, warnings = reference.release_for_date(date(2026, 2, 10))
    assert early.name == "RVU26C"
    assert len(warnings) == 1 and warnings[0].startswith("RVU26A (January 2026 release")
    late, warnings = reference.release_for_date(date(2026, 11, 20))
    assert late.name == "RVU26C" and "RVU26D" in warnings[0]
    q1, warnings = reference.release_for_date(date(2025, 2, 1))
    assert q1.name == "RVU25D" and "RVU25A" in warnings[0]
    with pytest.raises(NoReleaseForDate, match="2024"):
        reference.release_for_date(date(2024, 12, 31))
    with pytest.raises(LookupError):
        reference.release_for_date(date(2027, 1, 1))


def test_localities(reference: ReferenceDB) -> None:
    sf = reference.gpci("RVU26C", "1112", "5")
    assert sf is not None and sf.carrier == "01112" and sf.locality == "05"
    assert sf.work_gpci_unfloored is not None
    assert reference.gpci("RVU25D", "01112", "05").work_gpci_unfloored is None  # type: ignore[union-attr]
    assert len(reference.localities("RVU26C")) == 109
    missouri = reference.locality_counties("RVU26C", "05302", "99")
    assert len(missouri) == 2 and missouri[0].state == "MISSOURI"
    zip_row = reference.zip_locality("10001")
    assert zip_row is not None and (zip_row.carrier, zip_row.locality, zip_row.year_quarter) == (
        "13202",
        "01",
        "20254",
    )
    assert reference.zip_locality("00000") is None
    anes = reference.anesthesia_cf("RVU26C", "02102", "01")
    assert (
        anes is not None and anes.conv_factor == Decimal("28.15") and anes.conv_factor_qp == Decimal("28.29")
    )
    cap = reference.opps_cap("RVU25D", "0633T", "TC", "01112", "05")
    assert cap is not None and cap.fac_price == Decimal("150.69")
    assert reference.opps_cap("RVU26C", "0633T", "TC", "01112", "05") is None  # no 2026 OPPSCAP file here


def test_hcpcs_level2(reference: ReferenceDB) -> None:
    g0320 = reference.hcpcs_level2("G0320")
    assert g0320 is not None and g0320.long_description.startswith("Home health services")
    gt = reference.hcpcs_level2("gt")
    assert gt is not None and gt.is_modifier
    mods = reference.hcpcs_level2_modifiers()
    assert len(mods) == 383 and all(m.is_modifier for m in mods)
    assert reference.hcpcs_level2("99213") is None
    assert reference.hcpcs_level2_vintage() == "2025-10" and reference.zip5_vintage() == "20254"


def test_category_stats(reference: ReferenceDB) -> None:
    g = reference.category_stats("RVU25D", "G Codes")
    assert g is not None and (g.codes, g.zero_work) == (1268, 1072)  # 84.5% of G codes have no work RVU
    assert list(g.work_values) == sorted(g.work_values) and len(g.work_values) == g.codes


def test_missing_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReferenceNotBuilt, match="openrvu ingest"):
        ReferenceDB(tmp_path / "nothing.sqlite")
