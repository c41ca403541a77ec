"""Search over codes: exact, prefix and mistyped codes, and words with plain-language expansion.

The index is derived from the user's reference database (``openrvu.search.index``) and queried by
``Searcher``; see ``openrvu.search.searcher`` for how hits are ranked.
"""

from __future__ import annotations

from openrvu.search.index import build_index, ensure_index, rebuild_for
from openrvu.search.searcher import Hit, Searcher

__all__ = ["Hit", "Searcher", "build_index", "ensure_index", "rebuild_for"]
