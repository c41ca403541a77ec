"""``openrvu search QUERY``: find codes by code, code prefix, typo or plain words."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from openrvu.cli.app import app, console, err_console, fail
from openrvu.settings import load_settings


@app.command()
def search(
    query: str = typer.Argument(..., help="A code (99213), a code start (9921) or words (knee shot)."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=500, help="Most hits to show."),
    release: str | None = typer.Option(None, "--release", help="Only codes of this release (RVU26C)."),
    as_json: bool = typer.Option(False, "--json", help="JSON for programs: a list of hits."),
) -> None:
    """Search codes; each hit says why it matched. Builds the search index on first use."""
    from openrvu.search.index import ensure_index, index_path_for, is_current
    from openrvu.search.searcher import Searcher

    if not query.strip():
        raise fail("the query is empty: give a code, the start of a code or some words")
    settings = load_settings()
    if not settings.reference_db.exists():
        raise fail(f"no reference database at {settings.reference_db}: run `openrvu ingest PATH` first")
    if not is_current(settings.reference_db, index_path_for(settings.reference_db)):
        err_console.print("openrvu: building the search index (once per ingest)...")
    searcher = Searcher(ensure_index(settings.reference_db))
    try:
        hits = searcher.search(query, limit=limit, release=release)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    finally:
        searcher.close()
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], indent=2))
        return
    if not hits:
        console.print(f"No codes match {query!r}.", highlight=False)
        return
    table = Table("code", "mod", "description", "score", "why", show_lines=False)
    for hit in hits:
        table.add_row(hit.hcpcs, hit.modifier, hit.description, f"{hit.score:.2f}", hit.matched)
    console.print(table)
