"""Knowledge openrvu writes itself: abbreviations, lay terms, category and indicator notes, code pages.

Everything committed here is original text. CPT descriptors are read from the user's CMS files at run
time and only ever expanded in memory (see :mod:`openrvu.knowledge.abbreviations`).
"""

from openrvu.knowledge.abbreviations import (
    CoverageReport,
    abbreviations,
    coverage,
    expand_descriptor,
    tokenize,
)

__all__ = ["CoverageReport", "abbreviations", "coverage", "expand_descriptor", "tokenize"]
