"""Measuring search quality against a golden set of lay queries (top-1, top-5, mean reciprocal rank)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from openrvu.search.searcher import Hit


class _Searches(Protocol):
    def search(self, query: str, limit: int = 20, release: str | None = None) -> list[Hit]: ...


@dataclass(frozen=True)
class GoldenCase:
    """A lay query and the codes any of which is a right answer."""

    query: str
    expected: frozenset[str]
    meaning: str = ""
    line: int = 0


@dataclass
class GoldenReport:
    cases: int = 0
    top1: int = 0
    top5: int = 0
    reciprocal_rank_sum: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[tuple[GoldenCase, list[str]]] = field(default_factory=list)  # not in the top 5

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.cases if self.cases else 0.0

    @property
    def top5_rate(self) -> float:
        return self.top5 / self.cases if self.cases else 0.0

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the first right code within the top 20 (0 when none is there)."""
        return self.reciprocal_rank_sum / self.cases if self.cases else 0.0


def load_golden(path: Path) -> list[GoldenCase]:
    """Read a golden TSV (query, expected codes separated by spaces, meaning); '#' lines are comments."""
    cases: list[GoldenCase] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("query\t"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].split():
            raise ValueError(f"{path}, line {number}: expected 'query<TAB>codes<TAB>meaning', got {line!r}")
        meaning = parts[2].strip() if len(parts) > 2 else ""
        cases.append(GoldenCase(parts[0].strip(), frozenset(parts[1].split()), meaning, number))
    return cases


def evaluate(searcher: _Searches, cases: Sequence[GoldenCase], *, depth: int = 20) -> GoldenReport:
    """Run every golden query and score where its first right code lands."""
    report = GoldenReport()
    for case in cases:
        start = time.perf_counter()
        hits = searcher.search(case.query, limit=depth)
        report.latencies_ms.append((time.perf_counter() - start) * 1000)
        codes = [h.hcpcs for h in hits]
        rank = next((i for i, code in enumerate(codes, start=1) if code in case.expected), None)
        report.cases += 1
        if rank is not None:
            report.reciprocal_rank_sum += 1 / rank
            report.top1 += rank == 1
            report.top5 += rank <= 5
        if rank is None or rank > 5:
            report.misses.append((case, codes[:5]))
    return report
