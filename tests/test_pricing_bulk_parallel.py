"""The multi-process bulk path gives byte-identical output to the single-process path."""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest

from openrvu.pricing.bulk import BulkRepricer, outcome_rows
from openrvu.pricing.bulk_chunks import PARALLEL_MIN_LINES, default_workers
from openrvu.pricing.contract import DEFAULT_CONTRACT, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.records import OUTPUT_COLUMNS, Outcome, reprice_records
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


def _claims(reference, tmp_path, lines: int, seed: int) -> tuple[object, list[dict[str, str]]]:
    rows = synthetic_rows(reference, "RVU25D", lines, seed=seed, rare=0.05, errors=0.01)
    src = tmp_path / f"in{seed}.csv"
    with src.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return src, rows


def test_many_chunks_written_in_place_by_two_processes(reference, tmp_path) -> None:
    """Nine chunks, alternating between two processes, each written at its place in the file: the
    same bytes as one process writing them in order."""
    from openrvu.cli.pricing import read_claims

    src, _ = _claims(reference, tmp_path, 2500, seed=8)
    table = read_claims(src)
    bulk = BulkRepricer(PricingService(reference), ["RVU25D"])
    texts = {}
    for workers in (1, 2):
        dst = tmp_path / f"out{workers}.csv"
        stats = bulk.write_csv(table, DEFAULT_CONTRACT, dst, chunk_lines=300, workers=workers)
        assert stats.lines == 2500
        texts[workers] = dst.read_bytes()
    assert texts[2] == texts[1]
    assert texts[1].count(b"\n") == 2501


def test_scattered_encounters_rewritten_in_line_order(reference, tmp_path) -> None:
    """An encounter whose lines are far apart is cut across chunks: the file is priced again by
    encounter and written again, in line order, with the same text as one process gives."""
    from openrvu.cli.pricing import read_claims

    src, rows = _claims(reference, tmp_path, 1200, seed=9)
    rows = rows[::2] + rows[1::2]  # every multi-line encounter now spans both halves
    with src.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    table = read_claims(src)
    bulk = BulkRepricer(PricingService(reference), ["RVU25D"])
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    bulk.write_csv(table, DEFAULT_CONTRACT, one, workers=1)
    bulk.write_csv(table, DEFAULT_CONTRACT, two, chunk_lines=400, workers=2)
    assert two.read_bytes() == one.read_bytes()
    repriced = list(csv.DictReader(two.open(newline="")))
    assert [r["hcpcs"] for r in repriced] == [r["hcpcs"] for r in rows]
    engine = reprice_records(PricingService(reference), rows, DEFAULT_CONTRACT)
    assert [Outcome(*(r[n] for n in OUTPUT_COLUMNS)) for r in repriced] == engine


def test_chunk_sink_across_processes(tmp_path) -> None:
    """A forked process writes chunk 1 once chunk 0's size is known; a failed process makes the
    waiting one give up instead of waiting for ever."""
    import multiprocessing
    import os

    from openrvu.pricing.bulk_chunks import ChunkAbandoned, ChunkSink

    path = tmp_path / "sink.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    sink = ChunkSink(fd, 2)
    child = multiprocessing.get_context("fork").Process(target=sink.write, args=(1, [b"second\n"]))
    child.start()
    sink.write(0, [b"first ", b"line\n"])
    child.join(30)
    assert child.exitcode == 0
    os.close(fd)
    assert path.read_bytes() == b"first line\nsecond\n"

    sink = ChunkSink(os.open(path, os.O_WRONLY), 3)
    sink.fail()
    with pytest.raises(ChunkAbandoned, match="chunk 2"):
        sink.write(2, [b"x"])
    sink = ChunkSink(os.open(path, os.O_WRONLY), 2)
    sink.alive = lambda: False  # the process that had chunk 0 is gone
    with pytest.raises(ChunkAbandoned):
        sink.write(1, [b"x"])


def test_reprice_file_to_a_pipe_and_keeping_the_old_file(reference, tmp_path, monkeypatch) -> None:
    """``-o`` a FIFO gets the same text as a file; a file is replaced only once complete, and no
    partial file is left beside it."""
    import os
    import threading

    from openrvu.cli.pricing import reprice_file

    monkeypatch.setenv("OPENRVU_WORKERS", "2")
    src, _ = _claims(reference, tmp_path, 600, seed=10)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dst = out_dir / "repriced.csv"
    dst.write_text("old")
    reprice_file(PricingService(reference), src, dst, DEFAULT_CONTRACT)
    assert os.listdir(out_dir) == ["repriced.csv"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    reprice_file(PricingService(reference), src, fifo, DEFAULT_CONTRACT)
    reader.join(30)
    assert got == [dst.read_bytes()]

    bad = tmp_path / "bad.csv"
    bad.write_text("encounter_id,date\nE1,2025-11-03\n")
    with pytest.raises(PricingError, match="missing column"):
        reprice_file(PricingService(reference), bad, dst, DEFAULT_CONTRACT)
    assert dst.read_bytes() == got[0]
