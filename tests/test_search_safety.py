"""Any input is safe: FTS5 syntax, quotes, NUL bytes, emoji and very long strings never raise."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrvu.search.query import split_chunks
from openrvu.search.searcher import Searcher

NASTY = [
    "",
    " ",
    '"',
    '""',
    "'",
    "knee AND",
    "OR",
    "NOT knee",
    "NEAR(knee shot, 2)",
    "knee*",
    "*",
    "^knee",
    "short:knee",
    "{short lay}: knee",
    "(knee",
    "knee)",
    "knee - shot",
    "-",
    "99213-",
    "-26",
    "\x00",
    "knee\x00shot",
    "\U0001f489 shot",
    "💉💉💉",
    "ｋｎｅｅ ｓｈｏｔ",
    "Ω≈ç√∫",
    "\\",
    "%",
    "_",
    "'; DROP TABLE docs; --",
    "a" * 10_000,
    "knee " * 2_000,
    "9" * 10_000,
    "G0320 " * 1_500,
]


@pytest.mark.parametrize("query", NASTY, ids=range(len(NASTY)))
def test_nasty_queries_never_raise(searcher: Searcher, query: str) -> None:
    hits = searcher.search(query, limit=10)
    assert len(hits) <= 10
    for hit in hits:
        assert hit.hcpcs and isinstance(hit.score, float) and hit.matched


def test_fts_keywords_are_words_not_operators(searcher: Searcher) -> None:
    # Quoted, "NOT" is the word (quality codes say "not documented"), not an operator excluding codes.
    assert searcher.search("NOT", limit=5)
    assert searcher.search("knee NOT injection", limit=5)


def test_long_input_is_bounded_in_time(searcher: Searcher) -> None:
    started = time.perf_counter()
    searcher.search("colonoscopy biopsy knee shot " * 400, limit=20)
    # Generous: the bound is on work (the query is cut), not a latency target (that is in bench/).
    assert time.perf_counter() - started < 2.0


def test_chunks_are_bounded() -> None:
    assert len(split_chunks("word " * 5_000)) <= 32


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_never_raises(searcher: Searcher, query: str) -> None:
    hits = searcher.search(query, limit=5)
    assert len(hits) <= 5


_FTS_ALPHABET = st.sampled_from(
    [
        '"',
        "'",
        "(",
        ")",
        "*",
        "^",
        ":",
        "-",
        "+",
        "{",
        "}",
        "AND",
        "OR",
        "NOT",
        "NEAR",
        " ",
        "knee",
        "99213",
        "\x00",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_FTS_ALPHABET, max_size=30).map("".join))
def test_fts_syntax_soup_never_raises(searcher: Searcher, query: str) -> None:
    searcher.search(query, limit=5)
