"""The multi-process bulk path gives byte-identical output to the single-process path."""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest

from openrvu.pricing.bulk import PARALLEL_MIN_LINES, BulkRepricer, default_workers, outcome_rows
from openrvu.pricing.contract import DEFAULT_CONTRACT, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.records import reprice_records
from openrvu.pricing.service import PricingService
from openrvu.pricing.synthetic import COLUMNS, synthetic_rows


def test_two_processes_same_outcomes_as_one_and_as_engine(reference) -> None:
    svc = PricingService(reference)
    rows = synthetic_rows(reference, "RVU25D", 3000, seed=11, rare=0.03, errors=0.01)
    table = pa.Table.from_pylist(rows)
    bulk = BulkRepricer(svc, ["RVU25D"])
    contract = contract_from_dict({"reduces_wrvu": {"bilateral": False}, "credit_non_payable": True})
    one, one_stats = bulk.reprice(table, contract, chunk_lines=500, workers=1)
    two, two_stats = bulk.reprice(table, contract, chunk_lines=500, workers=2)
    assert two.equals(one)
    assert two_stats == one_stats and two_stats.engine > 0
    assert outcome_rows(two) == reprice_records(svc, rows, contract)
    # the parent's own connection still works after the children used theirs
    again, _ = bulk.reprice(table.slice(0, 50), DEFAULT_CONTRACT, workers=1)
    assert again.num_rows == 50


def test_reprice_file_byte_identical_with_two_workers(reference, monkeypatch, tmp_path) -> None:
    from openrvu.cli.pricing import reprice_file

    src = tmp_path / "in.csv"
    with src.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_rows(reference, "RVU25D", 2500, seed=5, rare=0.05, errors=0.01))
    outputs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("OPENRVU_WORKERS", workers)
        dst = tmp_path / f"out{workers}.csv"
        counts = reprice_file(PricingService(reference), src, dst, DEFAULT_CONTRACT, tmp_path / "cache")
        assert counts["lines"] == 2500
        outputs[workers] = dst.read_bytes()
    assert outputs["2"] == outputs["1"]


def test_default_workers(monkeypatch) -> None:
    monkeypatch.delenv("OPENRVU_WORKERS", raising=False)
    assert default_workers(PARALLEL_MIN_LINES - 1) == 1
    assert default_workers(PARALLEL_MIN_LINES) in (1, 2)
    monkeypatch.setenv("OPENRVU_WORKERS", "3")
    assert default_workers(10) == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("OPENRVU_WORKERS", bad)
        with pytest.raises(PricingError, match="OPENRVU_WORKERS"):
            default_workers(10)
