"""Finding codes by code: exact, with a modifier, by prefix, and with one slip (real files)."""

from __future__ import annotations

import pytest

from openrvu.search.codes import one_edit_variants
from openrvu.search.searcher import Searcher


def test_exact_code_is_first(searcher: Searcher) -> None:
    hits = searcher.search("99213")
    assert (hits[0].hcpcs, hits[0].modifier, hits[0].matched) == ("99213", "", "exact code")
    assert hits[0].description  # the short descriptor of the user's file


def test_exact_code_is_case_and_space_insensitive(searcher: Searcher) -> None:
    assert searcher.search("  g0320 ")[0].hcpcs == "G0320"


def test_code_with_modifier_finds_the_modifier_row(searcher: Searcher) -> None:
    for query in ("70557-26", "70557 26"):
        first = searcher.search(query)[0]
        assert (first.hcpcs, first.modifier, first.matched) == ("70557", "26", "exact code and modifier")


def test_prefix_lists_codes_in_order(searcher: Searcher) -> None:
    hits = searcher.search("9921", limit=5)
    assert [h.hcpcs for h in hits] == ["99211", "99212", "99213", "99214", "99215"]
    assert all(h.matched == "code prefix" for h in hits)


def test_mistyped_code_ranks_the_transposition_below_the_exact_code(searcher: Searcher) -> None:
    # 99231 exists (subsequent hospital care), and 99213 is the swapped-digit slip of it.
    hits = searcher.search("99231")
    codes = [h.hcpcs for h in hits]
    assert codes[0] == "99231"
    assert codes[1] == "99213"
    assert hits[1].matched.startswith("similar code (1 edit")
    assert hits[0].score > hits[1].score


def test_a_code_that_does_not_exist_offers_near_codes(searcher: Searcher) -> None:
    hits = searcher.search("99312", limit=50)  # not a code; 99212 and 99412 are one digit away
    codes = [h.hcpcs for h in hits]
    assert "99312" not in codes
    assert {"99212", "99412"} <= set(codes)
    assert all(h.matched.startswith("similar code") for h in hits)
    for hit in hits:
        assert hit.hcpcs in {c for c, _ in one_edit_variants("99312")}


def test_release_filter_and_unknown_release(searcher: Searcher) -> None:
    assert searcher.releases == ["RVU25D", "RVU26C"]
    assert searcher.search("99213", release="RVU25D")[0].hcpcs == "99213"
    with pytest.raises(ValueError, match="RVU19A"):
        searcher.search("99213", release="RVU19A")


def test_one_edit_variants_keep_the_shape_of_a_code() -> None:
    variants = dict(one_edit_variants("99213"))
    assert variants["99231"] == "transposed"
    assert variants["99214"] == "substituted"
    assert "99213" not in variants
    assert all(len(v) == 5 and v.isdigit() for v in variants)
    level2 = dict(one_edit_variants("G0320"))
    assert level2["G0302"] == "transposed" and level2["Q0320"] == "substituted"
    assert all(v[0].isalpha() and v[1:].isdigit() for v, kind in level2.items() if kind == "substituted")


def test_codes_inside_punctuation_are_still_codes(searcher: Searcher) -> None:
    assert searcher.search("(G0320)")[0].hcpcs == "G0320"
    assert [h.hcpcs for h in searcher.search("9921*", limit=2)] == ["99211", "99212"]
    assert searcher.search('"99213",')[0].matched == "exact code"
