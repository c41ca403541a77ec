"""Bulk == engine however the lines of a file are laid out; the money text and the exact integer rounding.

The fast paths of the bulk repricer assume what claim files usually look like (an encounter's lines
adjacent, a handful of lines each); these files break each assumption so that the fallbacks run:
encounters of more than 8 lines (ranked by sorting), lines of one encounter far apart (ranked by
sorting; chunks made by hashing the id instead of slicing), ids that reappear after another encounter.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import numpy as np
import pyarrow as pa

from openrvu.pricing.bulk import BulkRepricer, _cents, outcome_rows
from openrvu.pricing.bulk_arrow import _money
from openrvu.pricing.contract import DEFAULT_CONTRACT, contract_from_dict
from openrvu.pricing.records import reprice_records
from openrvu.pricing.service import PricingService
from openrvu.pricing.synthetic import synthetic_rows

NO_MP_CREDIT = contract_from_dict({"reduces_wrvu": {"multiple_procedure": False}})


def _layouts(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    big = [
        dict(r, encounter_id=f"BIG{i // 13}", pos="11", locality_or_zip="01112-05")
        for i, r in enumerate(rows)
    ]
    return {
        "adjacent": rows,
        "interleaved": rows[::2] + rows[1::2],  # every encounter's lines far apart
        "big encounters": big,  # 13 lines each: more than the neighbour window
        "id reused later": rows + [dict(r, units="1") for r in rows[:40]],  # E1.. come back at the end
    }


def test_bulk_identical_to_engine_in_every_layout(reference) -> None:
    svc = PricingService(reference)
    rows = synthetic_rows(reference, "RVU25D", 2400, seed=21, rare=0.04, errors=0.01)
    bulk = BulkRepricer(svc, ["RVU25D"])
    for name, layout in _layouts(rows).items():
        table = pa.Table.from_pylist(layout)
        for contract in (DEFAULT_CONTRACT, NO_MP_CREDIT):
            expected = reprice_records(svc, layout, contract)
            for options in ({}, {"chunk_lines": 400, "workers": 1}, {"chunk_lines": 700, "workers": 2}):
                out, stats = bulk.reprice(table, contract, **options)
                assert outcome_rows(out) == expected, (name, options)
                assert stats.lines == len(layout) and stats.errors > 0


def test_money_text_matches_python_formatting() -> None:
    rng = np.random.default_rng(5)
    for high in (1, 100, 10_000, 10**7, 10**12, 10**17):
        value = np.concatenate([rng.integers(0, high, 5000), [0, high - 1, 99, 100, 1000, 9999]])
        mask = rng.random(len(value)) < 0.9
        expected = [
            f"{v // 100}.{v % 100:02d}" if m else ""
            for v, m in zip(value.tolist(), mask.tolist(), strict=True)
        ]
        assert _money(value, mask).to_pylist() == expected
    assert _money(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)).to_pylist() == []


def test_provider_factor_rounds_exactly_on_int64_amounts() -> None:
    """amount (dollars x 10**13) x 85%, 95% or 80.75%, half-up to cents, as Python integers do it."""
    rng = np.random.default_rng(8)
    amount = np.concatenate(
        [rng.integers(0, 2**62, 4000), rng.integers(0, 10**15, 4000), [0, 5 * 10**10, 2**63 - 1]]
    )
    factor = rng.choice([10000, 8500, 9500, 8075], len(amount))
    with localcontext(Context(prec=60)):
        expected = [
            int((Decimal(a * f) / 10**15).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for a, f in zip(amount.tolist(), factor.tolist(), strict=True)
        ]
    assert _cents(amount, factor).tolist() == expected
