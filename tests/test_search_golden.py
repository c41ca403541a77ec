"""Plain-language search quality on the golden set of lay queries (tests/golden_queries.tsv), real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from openrvu.search.evaluate import GoldenCase, evaluate, load_golden
from openrvu.search.searcher import Searcher

GOLDEN = Path(__file__).with_name("golden_queries.tsv")


@pytest.fixture(scope="module")
def cases() -> list[GoldenCase]:
    return load_golden(GOLDEN)


def test_golden_set_is_large_and_well_formed(cases: list[GoldenCase]) -> None:
    assert len(cases) >= 150
    assert len({c.query for c in cases}) == len(cases), "each query once"
    assert all(c.expected and all(len(code) == 5 for code in c.expected) for c in cases)


def test_every_expected_code_exists_in_the_real_files(searcher: Searcher, cases: list[GoldenCase]) -> None:
    expected = {code for c in cases for code in c.expected}
    found = {code for code in expected if searcher.search(code, limit=1)[0].matched == "exact code"}
    absent = sorted(expected - found)
    assert not absent, f"golden codes not in the loaded files: {absent}"


def test_top5_rate_is_at_least_90_percent(searcher: Searcher, cases: list[GoldenCase]) -> None:
    report = evaluate(searcher, cases)
    misses = "\n".join(f"  {c.query!r}: want {sorted(c.expected)[:4]}, got {got}" for c, got in report.misses)
    assert report.top5_rate >= 0.90, f"top-5 {report.top5_rate:.1%} (top-1 {report.top1_rate:.1%})\n{misses}"
    assert report.mrr > 0.75


def test_video_doctor_visit_at_home_finds_g0320_in_the_top_3(searcher: Searcher) -> None:
    hits = searcher.search("video doctor visit at home", limit=3)
    assert "G0320" in [h.hcpcs for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("knee shot", {"20610", "20611"}),
        ("heart tracing", {"93000", "93005", "93010"}),
        ("annual wellness visit", {"G0438", "G0439"}),
        ("colonscopy", {"45378", "45380", "45385", "G0121", "G0105"}),
        ("ekg", {"93000", "93005", "93010"}),
    ],
)
def test_the_issue_examples_are_in_the_top_3(searcher: Searcher, query: str, expected: set[str]) -> None:
    assert expected & {h.hcpcs for h in searcher.search(query, limit=3)}


def test_a_lay_term_hit_says_so(searcher: Searcher) -> None:
    first = searcher.search("knee shot", limit=1)[0]
    assert first.matched.startswith("lay term:")
