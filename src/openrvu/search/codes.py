"""Recognising codes in a query: exact codes, code prefixes and one-slip typos of a code.

CPT codes are five digits, or four digits and a letter (Category II "F", Category III "T", PLA "U",
"M"); HCPCS Level II codes are a letter and four digits. A modifier may follow after a dash or a space
("70557-26", "70557 26").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

CODE = re.compile(r"^(?:\d{5}|\d{4}[a-z]|[a-z]\d{4})$")
CODE_WITH_MODIFIER = re.compile(r"^(\d{5}|\d{4}[a-z]|[a-z]\d{4})-([a-z0-9]{2})$")
# A prefix worth listing: at least three characters of a code, so "99" alone does not flood the list.
PREFIX = re.compile(r"^(?:\d{3,4}|[a-z]\d{2,3})$")
MODIFIER = re.compile(r"^[a-z0-9]{2}$")

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def is_code(token: str) -> bool:
    """True when a lowercase token has the shape of a CPT or HCPCS code."""
    return bool(CODE.match(token))


def is_prefix(token: str) -> bool:
    """True when a lowercase token is the start of a code (``9921``, ``g03``)."""
    return bool(PREFIX.match(token))


def one_edit_variants(code: str) -> Iterator[tuple[str, str]]:
    """Codes one slip away from ``code``: adjacent transpositions first, then single substitutions.

    Yields ``(candidate, kind)`` with kind "transposed" or "substituted"; the candidates keep the code's
    shape (a digit is replaced by a digit, a letter by a letter) because that is the slip people make.
    """
    code = code.upper()
    seen = {code}
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            candidate = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            if candidate not in seen:
                seen.add(candidate)
                yield candidate, "transposed"
    for i, ch in enumerate(code):
        pool = _ALPHABET[:10] if ch.isdigit() else _ALPHABET[10:]
        for sub in pool:
            candidate = code[:i] + sub + code[i + 1 :]
            if candidate not in seen:
                seen.add(candidate)
                yield candidate, "substituted"
