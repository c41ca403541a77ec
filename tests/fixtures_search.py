"""Search fixtures: the search index derived from the session's reference database, built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openrvu.search.index import build_index
from openrvu.search.searcher import Searcher


@pytest.fixture(scope="session")
def search_index_path(reference_path: Path) -> Path:
    """The lexical search index (no embedding model) of the session's reference database."""
    return build_index(reference_path, reference_path.with_name("search.sqlite"), embed=False)


@pytest.fixture(scope="session")
def searcher(search_index_path: Path) -> Iterator[Searcher]:
    s = Searcher(search_index_path, embedder=None)
    yield s
    s.close()
