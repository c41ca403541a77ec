"""The CMS payment oracle: every row of PFREV25C and PFREV25D reproduced to the cent from RVU25D.

The engine is pure, so this test feeds it the rows parsed from the user's CMS files (RVU25D PPRRVU and
GPCI2025), for all 109 localities, facility (POS 22) and non-facility (POS 11).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openrvu.cms.gpci import parse_gpci
from openrvu.cms.payment_amounts import parse_payment_amounts
from openrvu.cms.rvu_file import parse_pprrvu
from openrvu.pricing.engine import price_encounter
from openrvu.pricing.model import LineInput, ResolvedLine
from openrvu.pricing.pos import place_of_service


@pytest.fixture(scope="module")
def rvu25d(cms_dir: Path):
    rows = parse_pprrvu(cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv").rows
    gpcis = parse_gpci(cms_dir / "pfs_rvu_2025" / "GPCI2025.csv").rows
    return {(r.hcpcs, r.modifier): r for r in rows}, {(g.carrier, g.locality): g for g in gpcis}


@pytest.mark.parametrize("name", ["PFREV25C.txt", "PFREV25D_PFREV4.txt"])
def test_every_oracle_row_reproduced_to_the_cent(cms_dir: Path, rvu25d, name: str) -> None:
    rows, gpcis = rvu25d
    records = parse_payment_amounts(cms_dir / "pfs_payment_2025" / name)
    mismatches = []
    localities = set()
    for rec in records:
        row = rows[(rec.hcpcs, rec.modifier)]
        gpci = gpcis[(rec.carrier, rec.locality)]
        localities.add((rec.carrier, rec.locality))
        mods = (rec.modifier,) if rec.modifier else ()
        for pos, expected in (("11", rec.nonfac_amount), ("22", rec.fac_amount)):
            place = place_of_service(pos)
            line = ResolvedLine(
                0, LineInput(rec.hcpcs, mods, 1, pos), "RVU25D", row, place.facility, place.reason, gpci
            )
            got = price_encounter([line]).lines[0].allowed
            if got != expected:
                mismatches.append((rec.carrier, rec.locality, rec.hcpcs, rec.modifier, pos, got, expected))
    assert mismatches == []
    assert len(localities) == 109
    assert len(records) == (109 if name == "PFREV25C.txt" else 763)
