"""Finding codes by words: descriptors, abbreviations, synonyms, typos, lay terms, with reasons."""

from __future__ import annotations

import json

from openrvu.search.searcher import Hit, Searcher


def codes(hits: list[Hit]) -> list[str]:
    return [h.hcpcs for h in hits]


def test_words_of_the_descriptor(searcher: Searcher) -> None:
    hits = searcher.search("mri brain", limit=5)
    assert set(codes(hits)) & {"70551", "70552", "70553"}
    assert "words: mri, brain" in hits[0].matched


def test_typo_is_corrected_against_the_index_vocabulary(searcher: Searcher) -> None:
    hits = searcher.search("colonscopy", limit=5)
    assert "45378" in codes(hits)
    assert any("typo: colonscopy -> colonoscopy" in h.matched for h in hits)


def test_clinician_shorthand_through_synonyms(searcher: Searcher) -> None:
    hits = searcher.search("ekg", limit=5)
    assert set(codes(hits)) & {"93000", "93005", "93010"}


def test_abbreviations_in_descriptors_are_expanded_for_matching(searcher: Searcher) -> None:
    # "Office o/p est low 20 min": the words "outpatient" and "established" are only in the expansion.
    hits = searcher.search("office outpatient established low", limit=10)
    assert "99213" in codes(hits)


def test_a_phrase_synonym_is_one_concept(searcher: Searcher) -> None:
    hits = searcher.search("heart tracing", limit=5)
    assert set(codes(hits)) & {"93000", "93005", "93010"}
    assert all("heart tracing" in h.matched or "lay term" in h.matched for h in hits[:3])


def test_more_of_the_query_covered_ranks_higher(searcher: Searcher) -> None:
    hits = searcher.search("chest x-ray", limit=10)
    top = hits[0]
    assert "chest" in top.matched and "x ray" in top.matched
    assert hits[0].score >= hits[-1].score


def test_hits_are_sorted_and_unique(searcher: Searcher) -> None:
    hits = searcher.search("knee injection", limit=30)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({(h.hcpcs, h.modifier) for h in hits}) == len(hits)
    assert len(hits) == 30


def test_limit_is_honoured(searcher: Searcher) -> None:
    assert len(searcher.search("injection", limit=3)) == 3
    assert searcher.search("injection", limit=0) == []


def test_json_form_has_the_documented_keys(searcher: Searcher) -> None:
    payload = json.loads(json.dumps([h.to_dict() for h in searcher.search("flu shot", limit=3)]))
    assert payload and set(payload[0]) == {"hcpcs", "modifier", "description", "score", "matched"}
    assert isinstance(payload[0]["score"], float)


def test_code_and_words_together(searcher: Searcher) -> None:
    hits = searcher.search("99213 office visit", limit=10)
    assert hits[0].hcpcs == "99213" and hits[0].matched == "exact code"
    assert len(hits) > 1


def test_words_nobody_uses_find_nothing(searcher: Searcher) -> None:
    assert searcher.search("qqqqzzzz xxyyzz") == []
