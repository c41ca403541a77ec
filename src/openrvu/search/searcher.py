"""Search the index: codes first, then words, every hit with the reason it matched."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openrvu.search import codes, embed
from openrvu.search.query import Concept, FuzzyMatcher, ParsedQuery, Variant, parse

# Score bands: any code match outranks any word match; within words the score is
# coverage (0..1) * 6 + lexical (0..1) * 2 + lay-term bonus (up to 3) + the code's prior (index.prior).
EXACT_SCORE = 100.0
PREFIX_SCORE = 60.0
SIMILAR_SCORE = 40.0
COVERAGE_WEIGHT = 6.0
LEXICAL_WEIGHT = 2.0
LAY_FULL_BONUS = 3.0
LAY_PARTIAL_BONUS = 1.5
# bm25 weights of the FTS columns: short, long, expanded, lay, context.
BM25_WEIGHTS = (3.0, 1.5, 2.5, 5.0, 0.5)
_BM25_ARGS = ", ".join(map(str, BM25_WEIGHTS))
CANDIDATES = 150
SCAN_LIMIT = 300
RERANK_DEPTH = 50
SEMANTIC_EXTRA = 10


@dataclass(frozen=True)
class Hit:
    """One search result; ``matched`` says why it was found."""

    hcpcs: str
    modifier: str
    description: str
    score: float
    matched: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of a hit."""
        return asdict(self)


@dataclass
class _Doc:
    id: int
    hcpcs: str
    description: str
    prior: float
    # All terms of the code, space-padded (" a b c "), so a term test is one substring search in C.
    padded_terms: str
    # the code's plain-language names and synonyms, each with its set of terms
    lay_phrases: tuple[tuple[str, frozenset[str]], ...]


# (score, code, reason so far: the lay term, later the meaning) of a candidate while it is ranked
_Scored = tuple[float, _Doc, str]


class Searcher:
    """Queries one index file. Safe to share between threads (one connection per thread)."""

    def __init__(self, index_path: Path, *, embedder: Any = "auto") -> None:
        self.index_path = Path(index_path)
        if not self.index_path.exists():
            raise FileNotFoundError(f"no search index at {self.index_path}")
        self._local = threading.local()
        con = self._con()
        self.meta: dict[str, str] = dict(con.execute("SELECT key, value FROM meta").fetchall())
        self.releases: list[str] = json.loads(self.meta.get("releases", "[]"))
        self.abbreviations: dict[str, str] = json.loads(self.meta.get("abbreviations", "{}"))
        self._vocab: dict[str, int] = dict(con.execute("SELECT term, df FROM vocab").fetchall())
        self._n_docs = max(int(self.meta.get("codes", "1")), 1)
        self._fuzzy = FuzzyMatcher(self._vocab)
        self._release_codes: dict[str, frozenset[str]] = {}
        self._docs: dict[int, _Doc] = {}
        self._embedder = embedder
        self._vectors: np.ndarray | None = None

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.index_path}?mode=ro", uri=True, check_same_thread=False)
            self._local.con = con
        return con

    def close(self) -> None:
        """Close this thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # -- public -----------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20, release: str | None = None) -> list[Hit]:
        """Ranked hits for a query: exact codes, code prefixes, one-slip code typos, then words."""
        if limit <= 0:
            return []
        if release is not None and release not in self.releases:
            loaded = ", ".join(self.releases) or "none"
            raise ValueError(f"release {release!r} is not loaded; loaded: {loaded}")
        parsed = parse(query, vocab=self._vocab, abbreviations=self.abbreviations, fuzzy=self._fuzzy)
        hits: dict[tuple[str, str], Hit] = {}
        for hit in self._code_hits(parsed, limit, release):
            hits.setdefault((hit.hcpcs, hit.modifier), hit)
        if parsed.concepts:
            for hit in self._word_hits(parsed, query, limit, release):
                hits.setdefault((hit.hcpcs, hit.modifier), hit)
        ranked = sorted(hits.values(), key=lambda h: (-h.score, h.hcpcs, h.modifier))
        return ranked[:limit]

    # -- codes ----------------------------------------------------------------------------------

    def _rows_of(self, hcpcs_list: list[str], release: str | None) -> dict[str, list[str]]:
        """Modifiers of each listed code (in the release, or in any release)."""
        if not hcpcs_list:
            return {}
        marks = ",".join("?" * len(hcpcs_list))
        sql = f"SELECT hcpcs, modifier FROM code_rows WHERE hcpcs IN ({marks})"
        args: list[str] = list(hcpcs_list)
        if release is not None:
            sql += " AND release = ?"
            args.append(release)
        found: dict[str, list[str]] = {}
        for hcpcs, modifier in self._con().execute(sql, args):
            mods = found.setdefault(hcpcs, [])
            if modifier not in mods:
                mods.append(modifier)
        return found

    def _descriptions(self, hcpcs_list: list[str]) -> dict[str, str]:
        marks = ",".join("?" * len(hcpcs_list))
        sql = f"SELECT hcpcs, description FROM docs WHERE hcpcs IN ({marks})"
        return dict(self._con().execute(sql, hcpcs_list).fetchall())

    def _code_hits(self, parsed: ParsedQuery, limit: int, release: str | None) -> list[Hit]:
        hits: list[Hit] = []
        for code, modifier in parsed.codes:
            rows = self._rows_of([code], release).get(code)
            if rows:
                desc = self._descriptions([code])[code]
                if modifier and modifier in rows:
                    hits.append(Hit(code, modifier, desc, EXACT_SCORE + 1, "exact code and modifier"))
                base = "" if "" in rows else rows[0]
                hits.append(Hit(code, base, desc, EXACT_SCORE, "exact code"))
            hits += self._similar_codes(code, release)
        for prefix in parsed.prefixes:
            hits += self._prefix_hits(prefix, limit, release)
        return hits

    def _similar_codes(self, code: str, release: str | None) -> list[Hit]:
        variants = dict(codes.one_edit_variants(code))
        found = self._rows_of(list(variants), release)
        if not found:
            return []
        descs = self._descriptions(list(found))
        hits = []
        for candidate, mods in found.items():
            # A swapped pair is the likelier slip, so it ranks above a wrong digit.
            bonus = 1.0 if variants[candidate] == "transposed" else 0.0
            base = "" if "" in mods else mods[0]
            reason = f"similar code (1 edit: {variants[candidate]})"
            hits.append(Hit(candidate, base, descs[candidate], SIMILAR_SCORE + bonus, reason))
        return hits

    def _prefix_hits(self, prefix: str, limit: int, release: str | None) -> list[Hit]:
        sql = "SELECT DISTINCT hcpcs FROM code_rows WHERE hcpcs >= ? AND hcpcs < ?"
        args: list[Any] = [prefix, prefix + "\uffff"]
        if release is not None:
            sql += " AND release = ?"
            args.append(release)
        found = [r[0] for r in self._con().execute(sql + " ORDER BY hcpcs LIMIT ?", [*args, limit])]
        if not found:
            return []
        rows = self._rows_of(found, release)
        descs = self._descriptions(found)
        hits = []
        for i, code in enumerate(found):
            base = "" if "" in rows[code] else rows[code][0]
            # Listed in code order: the score falls a little with each code.
            hits.append(Hit(code, base, descs[code], PREFIX_SCORE - i / (limit + 1), "code prefix"))
        return hits

    # -- words ----------------------------------------------------------------------------------

    def _weight(self, concept: Concept) -> float:
        """How much a concept says: the idf of its rarest known variant (0 when the index lacks it)."""
        best = 0.0
        for variant in concept.variants:
            dfs = [self._vocab.get(t, 0) for t in variant.terms.split()]
            if all(dfs):
                best = max(best, math.log(1 + self._n_docs / max(dfs)))
        return best

    def _word_hits(self, parsed: ParsedQuery, query: str, limit: int, release: str | None) -> list[Hit]:
        concepts = [c for c in parsed.concepts if c.variants]
        for concept in concepts:
            concept.weight = self._weight(concept)
            concept.prepare()
        known = [c for c in concepts if c.weight > 0]
        if not known:
            return self._semantic_only(query, release)
        bm25 = self._candidates(known, limit)
        if not bm25:
            return self._semantic_only(query, release)
        docs = self._load_docs(list(bm25), release)
        top = max(bm25.values()) or 1.0
        total_weight = sum(c.weight for c in known)
        said = set(parsed.said_terms)
        scored: list[_Scored] = []
        for doc in docs:
            lay_bonus, lay_reason = _lay_bonus(doc, said)
            score = (
                COVERAGE_WEIGHT * _coverage(doc, known) / total_weight
                + LEXICAL_WEIGHT * bm25[doc.id] / top
                + lay_bonus
                + doc.prior
            )
            scored.append((score, doc, lay_reason))
        scored.sort(key=lambda s: (-s[0], s[1].hcpcs))
        scored = self._rerank(query, scored)[:limit]
        hits = []
        for score, doc, lay_reason in scored:
            reason = "; ".join(r for r in (lay_reason, *_reasons(doc, known)) if r)
            hits.append(self._doc_hit(doc, round(score, 4), reason))
        return hits

    def _candidates(self, concepts: list[Concept], limit: int) -> dict[int, float]:
        """Codes worth ranking, with their bm25 relevance.

        Codes that cover every concept come first (an intersection: cheap). Only when they are too few,
        codes missing one concept are added, dropping the commonest concept first: what remains is
        rarer and more telling. Each query reads at most SCAN_LIMIT rows (see ``_bm25``), so even a
        word in thousands of codes ("visit", "injection") costs little.
        """
        groups = {
            id(c): "(" + " OR ".join(sorted({_fts_phrase(v.terms) for v in c.variants})) + ")"
            for c in concepts
        }
        found = self._bm25(" AND ".join(groups.values()))
        if len(concepts) > 1 and len(found) < limit:
            for dropped in sorted(concepts, key=lambda c: c.weight):
                rest = " AND ".join(g for key, g in groups.items() if key != id(dropped))
                for rowid, score in self._bm25(rest).items():
                    found.setdefault(rowid, score)
                if len(found) >= limit * 2:
                    break
        return found

    def _bm25(self, match: str) -> dict[int, float]:
        """rowid -> bm25 relevance (higher is better) of the best candidates for an FTS5 expression.

        Without ORDER BY, FTS5 stops after SCAN_LIMIT matches in row-id order, which the index made the
        order of the prior: for a word in thousands of codes we rank the likeliest few hundred instead
        of computing bm25 for all of them.
        """
        rows = (
            self._con()
            .execute(
                f"SELECT rowid, bm25(fts, {_BM25_ARGS}) FROM fts WHERE fts MATCH ? LIMIT ?",
                (match, SCAN_LIMIT),
            )
            .fetchall()
        )
        rows.sort(key=lambda r: r[1])
        return {rowid: -r for rowid, r in rows[:CANDIDATES]}

    def _doc_hit(self, doc: _Doc, score: float, reason: str) -> Hit:
        return Hit(doc.hcpcs, "", doc.description, score, reason or "words")

    def _load_docs(self, ids: list[int], release: str | None) -> list[_Doc]:
        """The candidate codes (kept in memory once read: the index never changes under a Searcher)."""
        missing = [i for i in ids if i not in self._docs]
        if missing:
            marks = ",".join("?" * len(missing))
            rows = self._con().execute(
                "SELECT id, hcpcs, description, prior, word_terms, lay_terms, lay_phrases "
                f"FROM docs WHERE id IN ({marks})",
                missing,
            )
            for r in rows:
                phrases = tuple((p, frozenset(p.split())) for p in json.loads(r[6]))
                self._docs[r[0]] = _Doc(r[0], r[1], r[2], r[3], f" {r[4]} {r[5]} ", phrases)
        docs = [self._docs[i] for i in ids if i in self._docs]
        if release is not None:
            allowed = self._codes_in(release)
            docs = [d for d in docs if d.hcpcs in allowed]
        return docs

    def _codes_in(self, release: str) -> frozenset[str]:
        if release not in self._release_codes:
            rows = self._con().execute("SELECT DISTINCT hcpcs FROM code_rows WHERE release = ?", (release,))
            self._release_codes[release] = frozenset(r[0] for r in rows)
        return self._release_codes[release]

    # -- optional semantic re-ranking ---------------------------------------------------------------

    def _model(self) -> Any:
        """The embedding model, loaded on first need, only for an index that has vectors."""
        if self._embedder == "auto":
            self._embedder = embed.load_embedder() if self.meta.get("embed_model") else None
        return self._embedder

    def _all_vectors(self) -> np.ndarray:
        """Every code's vector as one matrix indexed by row id (read once)."""
        if self._vectors is None:
            blobs = self._con().execute("SELECT id, vec FROM vectors ORDER BY id").fetchall()
            dim = len(blobs[0][1]) // 4 if blobs else 0
            matrix = np.zeros((self._n_docs + 1, dim), dtype=np.float32)
            for doc_id, blob in blobs:
                matrix[doc_id] = np.frombuffer(blob, dtype=np.float32)
            self._vectors = matrix
        return self._vectors

    def _rerank(self, query: str, scored: list[_Scored]) -> list[_Scored]:
        """Reorder the best lexical candidates by blending in their similarity of meaning to the query."""
        model = self._model()
        if model is None or not self.meta.get("embed_model") or not scored:
            return scored
        vectors = self._all_vectors()
        qvec = model.encode([query])[0]
        head, tail = scored[:RERANK_DEPTH], scored[RERANK_DEPTH:]
        sims = embed.cosine(qvec, vectors[[d.id for _, d, _ in head]])
        blended = embed.blend([s for s, _, _ in head], sims.tolist())
        top_lexical = head[0][0]
        reranked = [
            (
                top_lexical * b,
                doc,
                "; ".join(r for r in (reason, f"meaning ({sim:.2f})" if sim > 0.5 else "") if r),
            )
            for b, (_, doc, reason), sim in zip(blended, head, sims.tolist(), strict=True)
        ]
        reranked.sort(key=lambda s: (-s[0], s[1].hcpcs))
        floor = min(s for s, _, _ in reranked) if reranked else 0.0
        return reranked + [(min(s, floor), d, r) for s, d, r in tail]

    def _semantic_only(self, query: str, release: str | None) -> list[Hit]:
        """When no word is known to the index, fall back to meaning alone (if the model is there)."""
        model = self._model()
        if model is None or not self.meta.get("embed_model"):
            return []
        vectors = self._all_vectors()
        sims = embed.cosine(model.encode([query])[0], vectors)
        best = np.argsort(-sims)[: SEMANTIC_EXTRA * 2]
        docs = {d.id: d for d in self._load_docs([int(i) for i in best if i > 0], release)}
        return [
            self._doc_hit(docs[int(i)], round(float(sims[i]), 4), f"meaning ({float(sims[i]):.2f})")
            for i in best
            if int(i) in docs
        ][:SEMANTIC_EXTRA]


def _fts_phrase(terms: str) -> str:
    """A variant as an FTS5 phrase. Terms are [a-z0-9] only (text.terms), quoting makes them literal."""
    return '"' + terms.replace('"', "") + '"'


def _matching_variant(doc: _Doc, concept: Concept) -> Variant | None:
    """The variant of a concept with the most credit that the code has (all its terms), or None."""
    for variant, patterns in concept.patterns:  # highest credit first
        if all(p in doc.padded_terms for p in patterns):
            return variant
    return None


def _coverage(doc: _Doc, concepts: list[Concept]) -> float:
    """Weighted sum of the concepts the code matches (each through its best-credited variant)."""
    total = 0.0
    terms = doc.padded_terms
    for concept in concepts:
        for variant, patterns in concept.patterns:  # highest credit first
            if all(p in terms for p in patterns):
                total += concept.weight * variant.credit
                break
    return total


def _reasons(doc: _Doc, concepts: list[Concept]) -> list[str]:
    """The words, synonyms, abbreviations and typo corrections through which the code matched."""
    direct: list[str] = []
    expanded: list[str] = []
    for concept in concepts:
        variant = _matching_variant(doc, concept)
        if variant is None:
            continue
        if variant.kind == "word":
            direct.append(concept.said)
        else:
            expanded.append(f"{variant.kind}: {concept.said} -> {variant.terms}")
    return ([f"words: {', '.join(direct)}"] if direct else []) + expanded


def _lay_bonus(doc: _Doc, said: set[str]) -> tuple[float, str]:
    """A bonus when the query is one of the code's plain-language names, or holds one of them."""
    best, reason = 0.0, ""
    if not said:
        return best, reason
    for phrase, words in doc.lay_phrases:
        if said <= words:
            return LAY_FULL_BONUS, f"lay term: {phrase}"
        if best < LAY_PARTIAL_BONUS and len(words) >= 2 and words <= said:
            best, reason = LAY_PARTIAL_BONUS, f"lay term: {phrase}"
    return best, reason
