"""Text normalisation shared by the index builder and the query parser.

Both sides must turn text into the same terms, so that a term the query asks for is exactly the term
the index stored. We normalise in Python (lowercase, split, light plural stemming) and hand FTS5
space-separated terms, instead of relying on an FTS5 tokenizer we could not reproduce here when we
explain why a code matched.
"""

from __future__ import annotations

import re
import unicodedata

# Longest query we look at: a person never types more, and it bounds the work a hostile input can cause.
MAX_QUERY_CHARS = 400
MAX_QUERY_TERMS = 16

_WORD = re.compile(r"[a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Function words that carry no meaning in a search for a medical service.
_STOPWORD_TEXT = """a an and are as at be by for from had has have i in into is it its me my of on or our
    per so than that the their them then there these they this those to was we were what when where which
    who will with you your please code codes cpt hcpcs cost price much how do does did get got need needs"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def clean(text: str) -> str:
    """Strip control characters (NUL included), fold accents and case, and cap the length."""
    text = _CONTROL.sub(" ", text[: MAX_QUERY_CHARS * 4])
    if not text.isascii():  # descriptors are ASCII; only people type accents and full-width letters
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()[:MAX_QUERY_CHARS]


def stem(word: str) -> str:
    """Fold simple English plurals so "injections" and "injection" meet; nothing cleverer on purpose."""
    if len(word) <= 3 or word[-1] != "s" or word[-2:] in ("ss", "us", "is"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


def words(text: str) -> list[str]:
    """The raw lowercase words of a text, before stemming ("w/o" gives "w", "o")."""
    return _WORD.findall(clean(text))


def terms(text: str) -> list[str]:
    """Index terms of a text: words, stemmed."""
    return [stem(w) for w in words(text)]


def term_string(text: str) -> str:
    """Index terms joined by spaces: what we store in the FTS5 table."""
    return " ".join(terms(text))
