"""Endoscopy families billed bilaterally (-50, 2 units, RT+LT pairs): bulk == engine, without the engine."""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from openrvu.pricing.bulk import BulkRepricer, outcome_rows
from openrvu.pricing.contract import DEFAULT_CONTRACT, contract_from_dict
from openrvu.pricing.records import reprice_records
from openrvu.pricing.service import PricingService

# (code, modifiers, units) per line; "B" is the family's base code, "M1"/"M2" two of its members
SHAPES = (
    [("M1", "", 2), ("M2", "", 1)],
    [("M1", "50", 1), ("M2", "", 1)],
    [("M1", "RT", 1), ("M1", "LT", 1), ("M2", "", 1)],
    [("M1", "RT", 1), ("M1", "LT", 1)],
    [("M1", "RT", 1), ("M1", "LT", 1), ("M1", "RT", 1), ("20610", "", 1)],
    [("B", "", 1), ("M1", "50", 1)],
    [("B", "50", 1), ("M1", "", 1), ("99213", "25", 1)],
    [("B", "", 2), ("M1", "RT", 1), ("M1", "LT", 1)],
    [("M1", "", 2)],
    [("M1", "50", 1)],
    [("M1", "RT", 1), ("M2", "LT", 1), ("27447", "", 1)],
    [("M2", "", 2), ("M1", "50", 1), ("20610", "", 2), ("74177", "", 1)],
    [("M1", "50:80", 1), ("M2", "", 1)],
    [("M1", "RT:62", 1), ("M1", "LT:62", 1), ("B", "", 1)],
    [("M1", "52", 2), ("M2", "AS", 1)],
)


def _families(reference) -> list[tuple[str, str, str]]:
    """(base, member, member) of two families per bilateral indicator of their members."""
    members = defaultdict(list)
    for r in reference.iter_rvu("RVU25D"):
        if r.mult_proc == "3" and r.endo_base and r.modifier == "" and r.status_code == "A":
            members[(r.endo_base, r.bilat_surg)].append(r.hcpcs)
    picked: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for (base, ind), codes in sorted(members.items()):
        if len(codes) >= 2 and len(picked[ind]) < 2:
            picked[ind].append((base, codes[0], codes[-1]))
    assert {ind for ind, found in picked.items() if found} >= {"0", "1"}, picked
    return [family for found in picked.values() for family in found]


def test_endoscopy_family_bilateral_vectorized_and_identical(reference) -> None:
    svc = PricingService(reference)
    rows = []
    for f, (base, m1, m2) in enumerate(_families(reference)):
        names = {"B": base, "M1": m1, "M2": m2}
        for s, shape in enumerate(SHAPES):
            for pos in ("11", "22"):
                for code, mods, units in shape:
                    rows.append(
                        {
                            "encounter_id": f"F{f}S{s}P{pos}",
                            "date": "2025-11-03",
                            "hcpcs": names.get(code, code),
                            "modifiers": mods,
                            "units": str(units),
                            "pos": pos,
                            "locality_or_zip": "01112-05",
                        }
                    )
    bulk = BulkRepricer(svc, ["RVU25D"])
    for contract in (
        DEFAULT_CONTRACT,
        contract_from_dict({"reduces_wrvu": {"multiple_procedure": False, "bilateral": False}}),
        contract_from_dict({"reduces_wrvu": {"multiple_procedure": True, "bilateral": False}}),
        contract_from_dict({"reduces_wrvu": {"multiple_procedure": False, "bilateral": True}}),
    ):
        out, stats = bulk.reprice(pa.Table.from_pylist(rows), contract)
        expected = reprice_records(svc, rows, contract)
        assert outcome_rows(out) == expected
        assert not any(o.error for o in expected)
        assert sum("13:endo" in o.rules and "12:" in o.rules for o in expected) > 20
        assert stats.engine == 0, "family + bilateral lines are priced by the arrays"
