"""The search index: derived from the reference database, rebuilt when it changes, written atomically."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from openrvu.search.documents import CodeDocument
from openrvu.search.index import (
    INDEX_FILENAME,
    Knowledge,
    build_index,
    index_path_for,
    is_current,
    prior,
    write_index,
)
from openrvu.search.searcher import Searcher


def test_index_holds_every_code_of_every_release(search_index_path: Path, reference_path: Path) -> None:
    ref = sqlite3.connect(f"file:{reference_path}?mode=ro", uri=True)
    idx = sqlite3.connect(f"file:{search_index_path}?mode=ro", uri=True)
    try:
        indexed = {r[0] for r in idx.execute("SELECT hcpcs FROM docs")}
        rows = idx.execute("SELECT count(*) FROM code_rows WHERE release != ''").fetchone()[0]
    finally:
        idx.close()
        ref.close()
    # The two PPRRVU files hold 19,090 and 19,356 rows; every (code, modifier, release) is a code_row.
    assert rows == 19_090 + 19_356
    assert {"99213", "G0320", "70557", "27447", "J1100", "L1810"} <= indexed


def test_index_lives_beside_the_reference_and_is_current(
    search_index_path: Path, reference_path: Path
) -> None:
    assert search_index_path == index_path_for(reference_path)
    assert search_index_path.name == INDEX_FILENAME
    assert is_current(reference_path, search_index_path)


def test_a_changed_reference_makes_the_index_stale(tmp_path: Path, reference_path: Path) -> None:
    ref = tmp_path / "reference.sqlite"
    shutil.copy(reference_path, ref)
    index = build_index(ref, embed=False)
    assert index == tmp_path / INDEX_FILENAME
    assert is_current(ref, index)
    with sqlite3.connect(ref) as con:  # any write (a new ingest) changes size or mtime
        con.execute("CREATE TABLE touched (x)")
    assert not is_current(ref, index)
    assert not is_current(ref, tmp_path / "missing.sqlite")


def _doc(code: str, description: str, **kw: object) -> CodeDocument:
    return CodeDocument(code, description=description, in_pfs=True, rows=[("", "RVU26C")], **kw)  # type: ignore[arg-type]


class _Lay:
    def __init__(self, plain: str, aka: list[str]) -> None:
        self.plain_language = plain
        self.also_known_as = aka
        self.clinical_context = "Written for the test."
        self.specialties: list[str] = []


def test_lay_terms_and_abbreviations_are_searchable(tmp_path: Path) -> None:
    docs = [
        _doc("10001", "Frob wdgt w/o glue"),
        _doc("10002", "Frob wdgt w/glue"),
        _doc("10003", "Other thing"),
    ]
    knowledge = Knowledge(
        abbreviations={"wdgt": "widget", "w/o": "without"},
        lay_terms={"10002": _Lay("sticky widget fix", ["glue job"])},
        expand=lambda s: s.replace("wdgt", "widget").replace("w/o", "without"),
    )
    path = tmp_path / "s.sqlite"
    assert write_index(path, ["RVU26C"], docs, knowledge, source_fingerprint="test") == 3
    searcher = Searcher(path, embedder=None)
    widget = searcher.search("widget", limit=5)
    assert {h.hcpcs for h in widget} == {"10001", "10002"}
    glue = searcher.search("glue job", limit=5)
    assert glue[0].hcpcs == "10002" and glue[0].matched.startswith("lay term: glue job")
    # a query word that is an abbreviation is expanded too
    assert searcher.search("wdgt", limit=5)[0].hcpcs in {"10001", "10002"}
    searcher.close()


def test_a_failed_build_leaves_the_old_index(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    write_index(path, ["RVU26C"], [_doc("10001", "Frob widget")], Knowledge(), source_fingerprint="a")

    def broken():  # type: ignore[no-untyped-def]
        yield _doc("10009", "Half a build")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_index(path, ["RVU26C"], broken(), Knowledge(), source_fingerprint="b")
    assert Searcher(path, embedder=None).search("frob")[0].hcpcs == "10001"
    assert not list(tmp_path.glob("*.building"))


def test_prior_prefers_billable_physician_services() -> None:
    billable = _doc("99213", "x", status_code="A", has_work=True)
    quality = _doc("G8432", "x", status_code="M")
    dental = CodeDocument("D0120", description="x", status_code="R")
    assert prior(billable) > prior(dental) > prior(quality)
    assert prior(billable, in_lay_table=True) > prior(billable)


def test_searcher_needs_an_index(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no search index"):
        Searcher(tmp_path / "nothing.sqlite")


def test_rebuild_for_settings_writes_the_index_beside_the_reference(
    openrvu_home: Path, reference_path: Path
) -> None:
    from openrvu.search.index import rebuild_for
    from openrvu.settings import load_settings

    settings = load_settings()
    settings.home.mkdir(parents=True)
    shutil.copy(reference_path, settings.reference_db)
    path = rebuild_for(settings)
    assert path == openrvu_home / INDEX_FILENAME
    assert is_current(settings.reference_db, path)
    assert Searcher(path, embedder=None).search("G0320")[0].hcpcs == "G0320"
