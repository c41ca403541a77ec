"""Billing and documentation notes per code category and per PPRRVU indicator value.

A category key is a short string computed by :func:`section_key`: ``cpt:em``, ``cpt:anesthesia``,
``cpt:surgery:<subsection>`` (for example ``cpt:surgery:musculoskeletal``), ``cpt:radiology``,
``cpt:pathology``, ``cpt:medicine``, ``cpt:cat2``, ``cpt:cat3``, ``cpt:pla``, ``cpt:maaa``,
``hcpcs:<letter>`` for HCPCS Level II (``hcpcs:G``, ``hcpcs:J``, ``hcpcs:D`` for dental) and ``unknown``.
The notes live in ``data/category_notes.json`` (our own text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# CPT surgery subsections by code range (inclusive), in the order of the CPT book.
_SURGERY = (
    (10004, 19499, "integumentary"),
    (20100, 29999, "musculoskeletal"),
    (30000, 32999, "respiratory"),
    (33016, 37799, "cardiovascular"),
    (38100, 38999, "hemic_lymphatic"),
    (39000, 39599, "mediastinum"),
    (40490, 49999, "digestive"),
    (50010, 53899, "urinary"),
    (54000, 55899, "male_genital"),
    (55920, 55980, "reproductive"),
    (56405, 58999, "female_genital"),
    (59000, 59899, "maternity"),
    (60000, 60699, "endocrine"),
    (61000, 64999, "nervous"),
    (65091, 68899, "eye"),
    (69000, 69979, "auditory"),
    (69990, 69990, "microscope"),
)


_LEVEL2_LETTERS = frozenset("ABCDEGHJKLMPQRSTUV")


def section_key(hcpcs: str) -> str:
    """The category key of a code: its CPT section (and surgery subsection) or HCPCS Level II letter."""
    code = hcpcs.strip().upper()
    if len(code) != 5:
        return "unknown"
    if code[0].isalpha():
        # By letter alone: CMS files also hold placeholders such as "GXXX1".
        return f"hcpcs:{code[0]}" if code[0] in _LEVEL2_LETTERS else "unknown"
    if not code[:4].isdigit():
        return "unknown"
    suffix = {"F": "cpt:cat2", "T": "cpt:cat3", "U": "cpt:pla", "M": "cpt:maaa"}
    if not code[4].isdigit():
        return suffix.get(code[4], "unknown")
    number = int(code)
    if number <= 1999:
        return "cpt:anesthesia" if number >= 100 else "unknown"
    if number <= 69990:
        for low, high, name in _SURGERY:
            if low <= number <= high:
                return f"cpt:surgery:{name}"
        return "cpt:surgery"
    if number <= 79999:
        return "cpt:radiology" if number >= 70010 else "unknown"
    if number <= 89398:
        return "cpt:pathology"
    if number == 99091 or 99202 <= number <= 99499:
        return "cpt:em"
    return "cpt:medicine" if number >= 90281 else "unknown"


@dataclass(frozen=True, slots=True)
class SectionNotes:
    """What openrvu knows about a category of codes."""

    key: str
    name: str
    notes: tuple[str, ...]
    clinical_context: str
    specialties: tuple[str, ...]


@cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/category_notes.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def section_notes(key: str) -> list[SectionNotes]:
    """Notes for a category key, broadest first: a surgery subsection also gets the surgery notes."""
    sections = _data()["sections"]
    keys = ["cpt:surgery", key] if key.startswith("cpt:surgery:") else [key]
    out = []
    for k in keys:
        entry = sections.get(k) or sections["unknown"]
        out.append(
            SectionNotes(
                k,
                entry["name"],
                tuple(entry["notes"]),
                entry["clinical_context"],
                tuple(entry["specialties"]),
            )
        )
    return out


def indicator_note(indicator: str, value: str) -> str | None:
    """Our explanation of one indicator value (``indicator_note("global_days", "090")``), or None."""
    table = _data()["indicators"].get(indicator)
    if isinstance(table, dict):
        return table.get(value)
    return None


def note(name: str) -> str:
    """A single named note, such as ``not_used_for_medicare``."""
    text: str = _data()["indicators"][name]
    return text
