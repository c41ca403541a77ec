"""The lay-term table: plain-language names, synonyms, clinical context and specialties of common codes.

``data/lay_terms.csv`` is written for openrvu in its own words (no CPT descriptor text); one row per code
with the columns ``hcpcs, plain_language, also_known_as, clinical_context, specialties`` where the two
list columns are separated by ``|``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

_COLUMNS = ["hcpcs", "plain_language", "also_known_as", "clinical_context", "specialties"]


@dataclass(frozen=True, slots=True)
class LayTerm:
    """What a person calls a service, and who does it when."""

    hcpcs: str
    plain_language: str
    also_known_as: tuple[str, ...]
    clinical_context: str
    specialties: tuple[str, ...]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


@cache
def lay_terms() -> dict[str, LayTerm]:
    """Every lay-term row by HCPCS code (loaded once, then cached)."""
    text = resources.files(__package__).joinpath("data/lay_terms.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if header != _COLUMNS:
        raise ValueError(f"lay_terms.csv line 1: expected columns {_COLUMNS}, got {header}")
    table: dict[str, LayTerm] = {}
    for number, cells in enumerate(reader, start=2):
        if len(cells) != len(_COLUMNS) or not all(c.strip() for c in (cells[0], cells[1], cells[3])):
            raise ValueError(
                f"lay_terms.csv line {number}: expected {len(_COLUMNS)} filled columns, got {cells}"
            )
        code = cells[0].strip().upper()
        if code in table:
            raise ValueError(f"lay_terms.csv line {number}: duplicate code {code}")
        table[code] = LayTerm(code, cells[1].strip(), _split(cells[2]), cells[3].strip(), _split(cells[4]))
    return table
