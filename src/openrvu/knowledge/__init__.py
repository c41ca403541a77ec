"""Knowledge openrvu writes itself: abbreviations, lay terms, category and indicator notes, code pages.

Everything committed here is original text. CPT descriptors are read from the user's CMS files at run
time and only ever expanded in memory (see :mod:`openrvu.knowledge.abbreviations`).
``openrvu.reference.lookup.code_info`` picks up :func:`code_sections` to add the plain-language sections
to every code page.
"""

from openrvu.knowledge.abbreviations import (
    CoverageReport,
    abbreviations,
    coverage,
    expand_descriptor,
    medical_words,
    tokenize,
)
from openrvu.knowledge.categories import SectionNotes, indicator_note, section_key, section_notes
from openrvu.knowledge.lay_terms import LayTerm, lay_terms
from openrvu.knowledge.pages import code_sections, describe

__all__ = [
    "CoverageReport",
    "LayTerm",
    "SectionNotes",
    "abbreviations",
    "code_sections",
    "coverage",
    "describe",
    "expand_descriptor",
    "indicator_note",
    "lay_terms",
    "medical_words",
    "section_key",
    "section_notes",
    "tokenize",
]
