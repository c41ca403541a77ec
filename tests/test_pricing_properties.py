"""Property tests of the pure engine (hypothesis) over real RVU25D rows."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.cms.gpci import parse_gpci
from openrvu.cms.models import GpciRow
from openrvu.cms.rvu_file import parse_pprrvu
from openrvu.pricing.engine import price_encounter
from openrvu.pricing.model import LineInput, ResolvedLine


@pytest.fixture(scope="module")
def data(cms_dir: Path):
    rows = parse_pprrvu(cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv").rows
    gpcis = parse_gpci(cms_dir / "pfs_rvu_2025" / "GPCI2025.csv").rows
    paying = [r for r in rows if r.status_code == "A" and not r.modifier and r.nonfac_pe_opps == 0]
    by_key = {(r.hcpcs, r.modifier): r for r in rows}
    split = [r for r in paying if r.pctc == "1" and (r.hcpcs, "26") in by_key and (r.hcpcs, "TC") in by_key]
    return paying, gpcis, by_key, split


def one(row, gpci, mods=(), units=1, facility=False):
    line = ResolvedLine(0, LineInput(row.hcpcs, mods, units), "RVU25D", row, facility, "test", gpci)
    return price_encounter([line]).lines[0]


NATIONAL = GpciRow("00000", "00", "US", "national", Decimal(1), None, Decimal(1), Decimal(1))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.booleans())
def test_gpcis_of_one_give_the_national_amount(data, pick: int, facility: bool) -> None:
    row = data[0][pick % len(data[0])]
    total = row.fac_total if facility else row.nonfac_total
    national = (total * row.conv_factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert one(row, NATIONAL, facility=facility).allowed == national


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=108),
    st.sampled_from(["work_rvu", "nonfac_pe_rvu", "mp_rvu"]),
    st.integers(min_value=1, max_value=500),
)
def test_amount_rises_with_each_rvu(data, pick: int, loc: int, component: str, extra: int) -> None:
    row = data[0][pick % len(data[0])]
    gpci = data[1][loc]
    bigger = dataclasses.replace(row, **{component: getattr(row, component) + Decimal(extra) / 100})
    assert one(bigger, gpci).allowed > one(row, gpci).allowed


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=108))
def test_bilateral_indicator_1_is_150_percent(data, pick: int, loc: int) -> None:
    rows = [r for r in data[0] if r.bilat_surg == "1"]
    row, gpci = rows[pick % len(rows)], data[1][loc]
    exact = row.work_rvu * gpci.work_gpci + row.nonfac_pe_rvu * gpci.pe_gpci + row.mp_rvu * gpci.mp_gpci
    expected = (exact * row.conv_factor * Decimal("1.5")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert one(row, gpci, ("50",)).allowed == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=108), st.booleans())
def test_26_plus_tc_add_up_to_global_where_the_file_does(data, pick: int, loc: int, facility: bool) -> None:
    _paying, gpcis, by_key, split = data
    glob = split[pick % len(split)]
    pc, tc = by_key[(glob.hcpcs, "26")], by_key[(glob.hcpcs, "TC")]
    pe = "fac_pe_rvu" if facility else "nonfac_pe_rvu"
    sums = all(getattr(pc, f) + getattr(tc, f) == getattr(glob, f) for f in ("work_rvu", pe, "mp_rvu"))
    parts = (
        one(pc, gpcis[loc], ("26",), facility=facility).allowed
        + one(tc, gpcis[loc], ("TC",), facility=facility).allowed
    )
    whole = one(glob, gpcis[loc], facility=facility).allowed
    if sums:  # the file splits the RVUs exactly: the amounts agree to within the two roundings
        assert abs(parts - whole) <= Decimal("0.01")
