"""Parsing a query into code lookups and word concepts, with expansion.

A *concept* is one thing the person said ("shot", "heart tracing") together with the index terms that
stand for it: the word itself, its synonyms, the expansion of an abbreviation, or the index word a typo
most resembles. Ranking rewards codes that cover more concepts, weighted by how rare each concept is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from openrvu.search import codes, text
from openrvu.search.synonyms import synonym_table

# Anything but letters, digits and inner dashes separates chunks: "9921*" is the prefix 9921, and
# "70557-26" (code and modifier) and "x-ray" stay whole.
_CHUNK = re.compile(r"[^a-z0-9\-]+")
TYPO_CREDIT = 0.9
LATER_SYNONYM_CREDIT = 0.85
# Longest multi-word synonym key we look for in a query.
_MAX_PHRASE = 4


@dataclass
class Variant:
    """One way a concept may appear in the index: space-separated index terms, and where it came from."""

    terms: str
    kind: str  # "word", "synonym", "abbreviation", "typo"
    # Share of the concept's weight a code earns through this variant: a synonym table lists the
    # closest translation first, and a guessed typo correction is less certain than the word typed.
    credit: float = 1.0


@dataclass
class Concept:
    """One thing the person said, the ways the index may say it, and how telling it is (idf)."""

    said: str
    variants: list[Variant] = field(default_factory=list)
    weight: float = 0.0
    # (variant, its terms as space-padded substrings), highest credit first; set by prepare()
    patterns: list[tuple[Variant, tuple[str, ...]]] = field(default_factory=list, repr=False)

    def prepare(self) -> None:
        """Order the variants by credit and split their terms once, before scoring many codes."""
        ordered = sorted(self.variants, key=lambda v: -v.credit)
        self.patterns = [(v, tuple(f" {t} " for t in v.terms.split())) for v in ordered]


@dataclass
class ParsedQuery:
    codes: list[tuple[str, str | None]] = field(default_factory=list)  # (CODE, modifier or None)
    prefixes: list[str] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    said_terms: list[str] = field(default_factory=list)  # the meaningful query words, stemmed, in order


def split_chunks(query: str) -> list[str]:
    """Whitespace/punctuation-separated chunks of a cleaned query, bounded in number."""
    chunks = [c.strip("-") for c in _CHUNK.split(text.clean(query))]
    chunks = [c for c in chunks if c]
    return chunks[: text.MAX_QUERY_TERMS * 2]


def parse(
    query: str,
    *,
    vocab: Mapping[str, int],
    abbreviations: Mapping[str, str],
    fuzzy: FuzzyMatcher | None = None,
) -> ParsedQuery:
    """Split a query into codes, code prefixes and expanded word concepts."""
    parsed = ParsedQuery()
    word_list: list[str] = []
    chunks = split_chunks(query)
    modifier_at = -1  # index of a chunk already read as the modifier of the code before it
    for i, chunk in enumerate(chunks):
        if i == modifier_at:
            continue
        with_mod = codes.CODE_WITH_MODIFIER.match(chunk)
        if with_mod:
            parsed.codes.append((with_mod.group(1).upper(), with_mod.group(2).upper()))
        elif codes.is_code(chunk):
            following = chunks[i + 1] if i + 1 < len(chunks) else ""
            modifier = following.upper() if codes.MODIFIER.match(following) else None
            if modifier:
                modifier_at = i + 1
            parsed.codes.append((chunk.upper(), modifier))
        elif codes.is_prefix(chunk):
            parsed.prefixes.append(chunk.upper())
            word_list.append(chunk)  # "b12" is a code start and a word (vitamin B12)
        else:
            word_list.extend(text.words(chunk))
    word_list = word_list[: text.MAX_QUERY_TERMS]
    parsed.said_terms = [text.stem(w) for w in word_list if w not in text.STOPWORDS]
    parsed.concepts = _concepts(word_list, vocab, abbreviations, fuzzy)
    return parsed


def _concepts(
    word_list: list[str],
    vocab: Mapping[str, int],
    abbreviations: Mapping[str, str],
    fuzzy: FuzzyMatcher | None,
) -> list[Concept]:
    synonyms = synonym_table()
    concepts: list[Concept] = []
    i = 0
    while i < len(word_list):
        # Longest multi-word synonym first: "heart tracing" is one concept, not two.
        for size in range(min(_MAX_PHRASE, len(word_list) - i), 1, -1):
            key = " ".join(text.stem(w) for w in word_list[i : i + size])
            if key in synonyms:
                concept = Concept(" ".join(word_list[i : i + size]), [Variant(key, "word")])
                concept.variants += _synonym_variants(synonyms[key])
                concepts.append(concept)
                i += size
                break
        else:
            word = word_list[i]
            i += 1
            if word in text.STOPWORDS or (len(word) < 2 and not word.isdigit()):
                continue
            concepts.append(_word_concept(word, vocab, abbreviations, synonyms, fuzzy))
    return concepts


def _word_concept(
    word: str,
    vocab: Mapping[str, int],
    abbreviations: Mapping[str, str],
    synonyms: Mapping[str, tuple[str, ...]],
    fuzzy: FuzzyMatcher | None,
) -> Concept:
    term = text.stem(word)
    concept = Concept(word, [Variant(term, "word")])
    concept.variants += _synonym_variants(synonyms.get(term, ()))
    expansion = abbreviations.get(word) or abbreviations.get(term)
    if expansion:
        expanded = text.term_string(expansion)
        if expanded and expanded != term:
            concept.variants.append(Variant(expanded, "abbreviation"))
    if term not in vocab and len(concept.variants) == 1 and fuzzy is not None:
        corrected = fuzzy.correct(term)
        if corrected:
            concept.variants.append(Variant(corrected, "typo", TYPO_CREDIT))
            concept.variants += _synonym_variants(synonyms.get(corrected, ()), TYPO_CREDIT)
    return concept


def _synonym_variants(targets: tuple[str, ...], credit: float = 1.0) -> list[Variant]:
    return [
        Variant(t, "synonym", credit if i == 0 else credit * LATER_SYNONYM_CREDIT)
        for i, t in enumerate(targets)
    ]


class FuzzyMatcher:
    """Typo correction against the index vocabulary with rapidfuzz (edit-distance similarity)."""

    # Similarity (0..100) a correction must reach; below it a word is left alone rather than guessed.
    CUTOFF = 82.0

    def __init__(self, vocab: Iterable[str]) -> None:
        # Corrections only to real words: numbers and two-letter fragments would match anything.
        self._choices = sorted(t for t in vocab if len(t) >= 4 and t.isalpha())
        self._cache: dict[str, str | None] = {}

    def correct(self, term: str) -> str | None:
        """The most similar index word to a word the index does not have, or None."""
        if len(term) < 4 or not term.isalpha():
            return None
        if term not in self._cache:
            from rapidfuzz import fuzz, process

            best = process.extractOne(
                term,
                self._choices,
                scorer=fuzz.ratio,
                score_cutoff=self.CUTOFF,
                processor=None,
            )
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[term] = best[0] if best else None
        return self._cache[term]
