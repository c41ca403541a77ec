"""Pricing a claim table in chunks of whole encounters, in one process or shared with forked ones.

A table is cut into consecutive chunks at encounter boundaries; chunk k is priced by process
k % workers (forked, so the table and the reference arrays are shared copy-on-write, and nothing is
pickled on the way in). The repricer (``BulkRepricer``) gives each chunk's output columns. For a CSV
file, each process writes its chunks' text at their place in the output (``ChunkSink``); otherwise the
columns come back. If an encounter's lines turn out to be far apart (cut across chunks), the table is
priced again in chunks by a hash of the encounter.
"""

from __future__ import annotations

import gc
import mmap
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa

from openrvu.pricing.bulk_arrow import _codes, _ints
from openrvu.pricing.bulk_groups import _cut_points, _disjoint, _encounter_hash, _encounter_keys
from openrvu.pricing.bulk_output import Column, csv_lines
from openrvu.pricing.contract import Contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.service import PricingService

PARALLEL_MIN_LINES = 300_000
# A chunk's result: its output columns, or its lines as CSV text in parts
_Part: TypeAlias = dict[str, Column] | list[bytes | pa.Buffer]


@dataclass
class BulkStats:
    """How the lines of a file were priced."""

    lines: int = 0
    vectorized: int = 0
    engine: int = 0
    errors: int = 0


def default_workers(lines: int) -> int:
    """Processes for a table of ``lines`` lines: 2 when it is large and the cores are not all busy.

    "Busy" reads the 1-minute load average (which counts this process and lags: a run just finished
    still adds to it): below the number of cores, a second process has a core, or most of one, to
    itself. At or above it, a second process only shares the same cores (measured at load 3 on 2 cores:
    2.7-3.0 s with 2 processes, 2.5-2.9 s with 1, for 1M lines), so one is used. ``OPENRVU_WORKERS``
    overrides it (a whole number >= 1).
    """
    forced = os.environ.get("OPENRVU_WORKERS", "").strip()
    if forced:
        if not forced.isdigit() or int(forced) < 1:
            raise PricingError(f"OPENRVU_WORKERS {forced!r} is not a whole number >= 1", field="workers")
        return int(forced)
    if lines < PARALLEL_MIN_LINES:
        return 1  # forking costs more than it saves on small files
    cores = len(os.sched_getaffinity(0))
    return 2 if cores >= 2 and os.getloadavg()[0] < cores else 1


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while a chunk is priced: its passes over the heap (the claim
    table's strings, the reference keys) cost ~5% of the chunk's CPU and find next to nothing; the
    few cycles made meanwhile (exceptions of bad lines) are collected when it resumes."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class ChunkAbandoned(Exception):
    """Another process pricing the same file failed: this one stops too."""


class ChunkSink:
    """Writes the CSV text of each consecutive chunk at its place in one file, from whichever process
    priced it: a chunk's place is the total size of the chunks before it, which the processes share
    through a small shared memory array (the text itself is never sent between processes).

    Each process sets its chunk's size before waiting for the sizes of earlier chunks, and prices its
    chunks in increasing order, so that the waits always end; a process that fails sets the last
    entry, and a waiting process gives up when it is set or ``alive()`` says the others are gone.
    """

    def __init__(self, fd: int, chunks: int) -> None:
        self.fd = fd
        self._shared = mmap.mmap(-1, 8 * (chunks + 1))  # anonymous and shared: seen across fork
        self.sizes = np.frombuffer(self._shared, dtype=np.int64)
        self.sizes[:chunks] = -1  # not yet known
        self.sizes[chunks] = 0  # 1: a process failed
        self.alive: Callable[[], bool] = lambda: True

    def fail(self) -> None:
        self.sizes[-1] = 1

    def write(self, k: int, parts: list[bytes | pa.Buffer]) -> None:
        self.sizes[k] = sum(len(p) for p in parts)
        while True:
            before = self.sizes[:k]
            if bool((before >= 0).all()):
                break
            if self.sizes[-1] or not self.alive():
                raise ChunkAbandoned(f"chunk {k}: another process pricing this file failed")
            time.sleep(0.0005)
        offset = int(before.sum())
        for part in parts:
            view = memoryview(part)
            while len(view):
                written = os.pwrite(self.fd, view, offset)
                view, offset = view[written:], offset + written

    def rewrite(self, parts: list[bytes | pa.Buffer]) -> None:
        """Replace the file's text (one process, nothing else writing)."""
        os.ftruncate(self.fd, 0)
        self.sizes[:] = 0
        self.write(0, parts)


# What a forked worker prices from: set by the parent just before the fork, never pickled.
_FORKED: tuple | None = None


def _forked_chunk(k: int) -> tuple[_Part | None, BulkStats, np.ndarray | None]:
    """Price chunk ``k`` in a forked worker, on its own database connection."""
    assert _FORKED is not None, "only called in a process forked by run_chunks"
    repricer, table, contract, order, bounds, sink = _FORKED
    if repricer._pid != os.getpid():
        # an SQLite connection must not be used across fork: the engine fallback gets its own
        db = repricer.service.db
        repricer.service = PricingService(type(db)(db.path), repricer.service.contract)
        repricer._pid = os.getpid()
        if sink is not None:
            parent = os.getppid()
            sink.alive = lambda: os.getppid() == parent
    try:
        return _price_chunk(repricer, table, contract, order, bounds, k, sink)
    except BaseException:
        if sink is not None:
            sink.fail()
        raise


def _price_chunk(
    repricer, table, contract, order, bounds, k, sink
) -> tuple[_Part | None, BulkStats, np.ndarray | None]:
    """Chunk ``k`` of a table split by ``order`` (``None``: the chunks are consecutive slices, whose
    encounter keys come back too, to check that no encounter was cut): its output columns (plain
    arrays), or with a ``sink`` nothing: its repriced lines are written there as CSV text (with the
    header for chunk 0)."""
    if order is None:
        chunk = table.slice(bounds[k], bounds[k + 1] - bounds[k])
    else:
        chunk = table.take(_ints(order[bounds[k] : bounds[k + 1]]))
    with _no_cyclic_gc():
        part, stats = repricer._columns(chunk, contract)
    keys = _encounter_keys(chunk) if order is None and len(bounds) > 2 else None
    if sink is not None:
        sink.write(k, csv_lines(chunk, part, header=k == 0))
        return None, stats, keys
    return part, stats, keys


def chunk_count(table: pa.Table, chunk_lines: int, workers: int) -> int:
    """How many chunks a table is priced in (each process gets one at least)."""
    chunks = -(-table.num_rows // chunk_lines)
    if workers > 1 and table.num_rows:
        chunks = max(chunks, workers)
    return max(chunks, 1)


def run_chunks(
    repricer: Any,
    table: pa.Table,
    contract: Contract,
    chunk_lines: int,
    workers: int | None,
    sink: ChunkSink | None,
) -> tuple[list, BulkStats, np.ndarray | None]:
    """The output columns of each chunk (with a ``sink``: ``None``, their CSV text is written
    there), the stats, and the line order of the chunks (``None``: consecutive slices of the
    table; otherwise nothing was written to the sink)."""
    if workers is None:
        workers = default_workers(table.num_rows)
    chunks = chunk_count(table, chunk_lines, workers)
    order: np.ndarray | None = None
    bounds = _cut_points(table, chunks)
    results = _chunk_results(repricer, table, contract, order, bounds, workers, sink)
    if len(bounds) > 2 and not _disjoint([keys for _, _, keys in results if keys is not None]):
        # an encounter's lines are far apart: chunks by a hash of its id and date instead
        chunk = _encounter_hash(table.column("encounter_id"), _codes(table.column("date"))) % chunks
        order = np.argsort(chunk, kind="stable")
        bounds = np.searchsorted(chunk[order], np.arange(chunks + 1))
        results = _chunk_results(repricer, table, contract, order, bounds, workers, None)
    stats = BulkStats(lines=table.num_rows)
    for _, part_stats, _ in results:
        stats.vectorized += part_stats.vectorized
        stats.engine += part_stats.engine
        stats.errors += part_stats.errors
    return [part for part, _, _ in results], stats, order


def _chunk_results(
    repricer: Any,
    table: pa.Table,
    contract: Contract,
    order: np.ndarray | None,
    bounds: np.ndarray,
    workers: int,
    sink: ChunkSink | None,
) -> list[tuple[_Part | None, BulkStats, np.ndarray | None]]:
    """The results of each chunk (``_price_chunk``), in chunk order; chunk k runs in process
    k % workers."""
    global _FORKED
    chunks = len(bounds) - 1
    forkable = "fork" in multiprocessing.get_all_start_methods()  # not on Windows
    if workers <= 1 or not forkable or getattr(repricer.service.db, "path", None) is None:
        return [_price_chunk(repricer, table, contract, order, bounds, k, sink) for k in range(chunks)]
    # fork: the children inherit the table and the arrays (copy-on-write, nothing pickled on the way
    # in); only their output columns (or, with a sink, their counts) come back
    _FORKED = (repricer, table, contract, order, bounds, sink)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
            futures = {k: pool.submit(_forked_chunk, k) for k in range(chunks) if k % workers}
            if sink is not None:
                sink.alive = lambda: not any(f.done() and f.exception() for f in futures.values())
            try:
                mine = {
                    k: _price_chunk(repricer, table, contract, order, bounds, k, sink)
                    for k in range(chunks)
                    if k % workers == 0
                }
            except BaseException:
                if sink is not None:
                    sink.fail()  # the workers waiting on this process's chunks stop
                pool.shutdown(cancel_futures=True)
                for future in futures.values():  # a worker's own error says more than ours
                    if not future.cancelled() and future.exception() is not None:
                        future.result()
                raise
            return [mine[k] if k in mine else futures[k].result() for k in range(chunks)]
    finally:
        _FORKED = None
        if sink is not None:
            sink.alive = lambda: True
