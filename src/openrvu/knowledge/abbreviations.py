"""Abbreviations of CMS short descriptors, and how much of the descriptor text they explain.

CMS squeezes every descriptor into 28 characters, so "Office o/p est low 20 min" or "Drain/inj joint/bursa
w/o us" are the norm. ``data/abbreviations.tsv`` (our own list, written for openrvu) maps each abbreviated
token to plain words; :func:`expand_descriptor` applies it at run time to the user's copy of the
descriptors, so no expanded CPT text is ever stored in the repository.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# Ordinals ("1st", "2nd") are numbers, not the abbreviations "st"/"nd".
_WORD_RE = re.compile(r"\d+(?:st|nd|rd|th)(?![A-Za-z])|[A-Za-z]+|\d+")
_NUMBER_RE = re.compile(r"\d+(?:st|nd|rd|th)?")
# Hyphenated words that read right as they are: "add-on" must not become "additional-on".
_EXPAND_RE = re.compile(r"(?i:add|follow)-on\b|" + _WORD_RE.pattern)


@cache
def abbreviations() -> dict[str, str]:
    """Token -> plain-language expansion, from ``data/abbreviations.tsv`` (loaded once).

    Keys are lower case and may contain ``/`` or ``&`` ("w/o", "i&d"); a key ending in ``/`` is a
    prefix glued to the next word ("w/dye" -> "with dye").
    """
    text = resources.files(__package__).joinpath("data/abbreviations.tsv").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        token, sep, expansion = line.partition("\t")
        if not sep or not expansion.strip() or token != token.strip().lower():
            raise ValueError(f"abbreviations.tsv line {number}: expected 'token<TAB>expansion', got {line!r}")
        if token in table:
            raise ValueError(f"abbreviations.tsv line {number}: duplicate token {token!r}")
        table[token] = expansion.strip()
    return table


@cache
def medical_words() -> frozenset[str]:
    """Medical and technical words (not abbreviations) that general English word lists lack."""
    text = resources.files(__package__).joinpath("data/medical_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@cache
def _compound_pattern() -> re.Pattern[str]:
    # Abbreviations that contain a slash or an ampersand are matched before the text is split on
    # punctuation: "w/o" is "without", but "w" and "o" alone mean nothing.
    # Longest first, so "w/o&w/dye" is read as "w/o", "&", "w/", "dye" and never as "w/" + "o".
    compounds = sorted((k for k in abbreviations() if not k.isalnum()), key=len, reverse=True)
    parts = [re.escape(k) + ("" if k.endswith("/") else r"(?![a-z0-9])") for k in compounds]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")" if parts else r"(?!)", re.IGNORECASE)


def tokenize(text: str) -> list[str]:
    """Split a descriptor into lower-case tokens: known compound abbreviations, letter runs, digit runs."""
    tokens: list[str] = []
    position = 0
    for match in _compound_pattern().finditer(text):
        tokens.extend(t.lower() for t in _WORD_RE.findall(text[position : match.start()]))
        tokens.append(match.group(0).lower())
        position = match.end()
    tokens.extend(t.lower() for t in _WORD_RE.findall(text[position:]))
    return tokens


def _expand_plain(text: str, table: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        expansion = table.get(word.lower())
        if expansion is None or _NUMBER_RE.fullmatch(word):
            return word
        return expansion

    return _EXPAND_RE.sub(replace, text)


def expand_descriptor(text: str) -> str:
    """Rewrite a short descriptor with every known abbreviation spelled out.

    "Office o/p est low 20 min" -> "Office outpatient established low 20 minutes". Words that are not
    abbreviations, numbers and punctuation are kept as they are; the first letter keeps its case.
    """
    table = abbreviations()
    pieces: list[str] = []
    position = 0
    for match in _compound_pattern().finditer(text):
        pieces.append(_expand_plain(text[position : match.start()], table))
        expansion = table[match.group(0).lower()]
        # A prefix abbreviation glued to the next word ("w/dye") needs a space after its expansion.
        glued = match.group(0).endswith("/") and match.end() < len(text) and text[match.end()].isalnum()
        pieces.append(expansion + (" " if glued else ""))
        position = match.end()
    pieces.append(_expand_plain(text[position:], table))
    expanded = re.sub(r"\s+", " ", "".join(pieces)).strip()
    if text[:1].isupper():
        expanded = expanded[:1].upper() + expanded[1:]
    return expanded


_SUFFIXES = (
    ("s", ""), ("es", ""), ("ies", "y"), ("ied", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
)  # fmt: skip


def _is_word(token: str, words: Collection[str]) -> bool:
    if token in words:
        return True
    # Plurals and participles of listed words ("views", "guided") count as words too.
    return any(token.endswith(suffix) and token[: -len(suffix)] + stem in words for suffix, stem in _SUFFIXES)


@dataclass
class CoverageReport:
    """How many descriptor tokens are words, numbers or known abbreviations.

    ``unknown`` counts the tokens that are none of these, most frequent first via ``most_common``.
    Single letters ("hepatitis b", "type a") count as letters, digit runs and ordinals as numbers.
    """

    total: int = 0
    abbreviations: int = 0
    words: int = 0
    numbers: int = 0
    letters: int = 0
    unknown: Counter[str] = field(default_factory=Counter)

    @property
    def known(self) -> int:
        return self.total - sum(self.unknown.values())

    @property
    def share(self) -> float:
        """Share of tokens that are known, 0..1 (1.0 for no tokens)."""
        return self.known / self.total if self.total else 1.0


def coverage(descriptors: Iterable[str], words: Collection[str] | None = None) -> CoverageReport:
    """Measure how much of ``descriptors`` is made of words, numbers and known abbreviations.

    ``words`` is a general English word list supplied by the caller (the tests use the pinned
    ``english-words`` package plus the HCPCS Level II long descriptions); our own medical word list is
    always added. An abbreviation counts before a word, so "us" (ultrasound) counts as an abbreviation.
    """
    table = abbreviations()
    vocabulary: Collection[str] = set(words or ()) | medical_words()
    report = CoverageReport()
    for text in descriptors:
        for token in tokenize(text):
            report.total += 1
            if token in table:
                report.abbreviations += 1
            elif _NUMBER_RE.fullmatch(token):
                report.numbers += 1
            elif len(token) == 1:
                report.letters += 1
            elif _is_word(token, vocabulary):
                report.words += 1
            else:
                report.unknown[token] += 1
    return report
