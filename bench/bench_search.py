"""Search latency and quality, against a linear scan measured in the same run.

- Index build time from the reference database (lexical; the embedding extra is not used here).
- p50/p95/p99 over a mix of 200 queries (exact codes, code prefixes, mistyped codes, descriptor words,
  lay queries, misspelt words), in-process, wall clock and CPU time; the same mix through a linear scan
  over every code's descriptors (substring match per word, ranked by words matched) as the baseline.
- The golden set (tests/golden_queries.tsv): top-1, top-5, mean reciprocal rank, latency p50/p95.

Targets: plain code/word queries p95 < 5 ms, queries with expansion p95 < 20 ms.
``OPENRVU_BENCH_QUICK=1``: 50 queries, one pass.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden_queries.tsv"
PLAIN_WORDS = [
    "colonoscopy",
    "office",
    "injection",
    "mri brain",
    "x-ray chest",
    "biopsy",
    "anesthesia",
    "ultrasound",
]
TYPO_WORDS = ["colonscopy", "elektrocardiogram", "mamogram", "ultrasund", "biospy", "arthroscpy"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _mix(codes: list[str], lay: list[str], size: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query) pairs: a fixed share of each kind of query a person types."""
    out: list[tuple[str, str]] = []
    for i in range(size):
        kind = ("exact", "prefix", "typo-code", "words", "lay", "typo-words")[i % 6]
        code = rng.choice(codes)
        if kind == "exact":
            query = code
        elif kind == "prefix":
            query = code[:4]
        elif kind == "typo-code":
            query = code[0] + code[2] + code[1] + code[3:]
        elif kind == "words":
            query = rng.choice(PLAIN_WORDS)
        elif kind == "lay":
            query = rng.choice(lay)
        else:
            query = rng.choice(TYPO_WORDS)
        out.append((kind, query))
    return out


def _time(fn: Callable[[str], object], queries: list[str], passes: int) -> tuple[list[float], list[float]]:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(passes):
        for query in queries:
            w, c = time.perf_counter(), time.thread_time()
            fn(query)
            cpu.append((time.thread_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def _linear_scan(docs: list[tuple[str, str]]) -> Callable[[str], list[str]]:
    """The baseline: look at every code's text for every query word, rank by words found."""

    def search(query: str) -> list[str]:
        words = [w for w in query.lower().split() if w]
        scored = []
        for code, text in docs:
            if query.upper() == code:
                scored.append((100, code))
                continue
            found = sum(1 for w in words if w in text)
            if found:
                scored.append((found, code))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [code for _, code in scored[:20]]

    return search


def main() -> None:
    from openrvu.reference.build import ingest
    from openrvu.search.evaluate import evaluate, load_golden
    from openrvu.search.index import build_index
    from openrvu.search.searcher import Searcher
    from openrvu.settings import load_settings

    quick = os.environ.get("OPENRVU_BENCH_QUICK") == "1"
    size, passes = (50, 1) if quick else (200, 5)
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as tmp:
        ref = load_settings().reference_db
        if not ref.exists():
            ref = Path(tmp) / "reference.sqlite"
            ingest(ref, [load_settings().cms_dir])
        index = Path(tmp) / "search.sqlite"
        started = time.perf_counter()
        build_index(ref, index, embed=False)
        build_s = time.perf_counter() - started

        con = sqlite3.connect(index)
        docs = [
            (c, f"{d} {ld}".lower())
            for c, d, ld in con.execute("SELECT hcpcs, description, long_description FROM docs")
        ]
        codes = [c for (c,) in con.execute("SELECT hcpcs FROM docs WHERE in_pfs = 1")]
        con.close()
        cases = load_golden(GOLDEN)
        mix = _mix(codes, [c.query for c in cases], size, rng)
        queries = [q for _, q in mix]

        searcher = Searcher(index, embedder=None)
        for query in queries:  # warm the page cache and the typo cache alike for both sides
            searcher.search(query)
        wall, cpu = _time(searcher.search, queries, passes)
        scan = _linear_scan(docs)
        base_wall, _ = _time(scan, queries, 1)

        by_kind: dict[str, list[float]] = {}
        cpu_by_kind: dict[str, list[float]] = {}
        for i, (kind, _) in enumerate(mix * passes):
            by_kind.setdefault(kind, []).append(wall[i])
            cpu_by_kind.setdefault(kind, []).append(cpu[i])

        report = evaluate(searcher, cases)
        searcher.close()

    print(f"index build (lexical, {len(docs):,} codes): {build_s:.2f} s")
    print(f"query mix: {len(queries)} queries x {passes} passes, in-process")

    def line(name: str, values: list[float]) -> str:
        return (
            f"  {name:12} p50 {_pct(values, 0.5):6.2f} ms  p95 {_pct(values, 0.95):6.2f} ms"
            f"  p99 {_pct(values, 0.99):6.2f} ms"
        )

    print(line("search", wall) + "   (wall clock)")
    print(line("search cpu", cpu) + "   (CPU time of the searching thread)")
    print(line("linear scan", base_wall) + "   (baseline, wall clock)")
    print(
        f"  ratio scan/search: p50 {_pct(base_wall, 0.5) / _pct(wall, 0.5):.1f}x"
        f"  p95 {_pct(base_wall, 0.95) / _pct(wall, 0.95):.1f}x"
    )
    for kind, values in by_kind.items():
        kind_cpu = cpu_by_kind[kind]
        print(
            f"  {kind:11} p50 {statistics.median(values):6.2f} ms  p95 {_pct(values, 0.95):6.2f} ms"
            f"   cpu p50 {statistics.median(kind_cpu):5.2f} p95 {_pct(kind_cpu, 0.95):5.2f} ms"
        )

    def pooled(table: dict[str, list[float]], kinds: tuple[str, ...]) -> float:
        return _pct([v for k in kinds for v in table[k]], 0.95)

    plain, expanded = ("exact", "prefix", "typo-code", "words"), ("lay", "typo-words")
    print(
        f"  plain code/word queries p95 {pooled(by_kind, plain):.2f} ms wall,"
        f" {pooled(cpu_by_kind, plain):.2f} ms cpu (target < 5)"
    )
    print(
        f"  lay and misspelt queries (expansion) p95 {pooled(by_kind, expanded):.2f} ms wall,"
        f" {pooled(cpu_by_kind, expanded):.2f} ms cpu (target < 20)"
    )
    lat = report.latencies_ms
    print(
        f"golden set: {report.cases} lay queries  top-1 {report.top1_rate:.1%}  top-5 {report.top5_rate:.1%}"
        f"  MRR {report.mrr:.3f}  latency p50 {_pct(lat, 0.5):.2f} ms  p95 {_pct(lat, 0.95):.2f} ms"
    )
    for case, got in report.misses:
        print(f"  miss: {case.query!r} want {' '.join(sorted(case.expected)[:4])} got {' '.join(got)}")
