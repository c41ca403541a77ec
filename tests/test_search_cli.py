"""``openrvu search``: JSON and text output, the index built on first use, exit status 2 on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from openrvu.cli import app
from openrvu.search.index import INDEX_FILENAME


def test_search_builds_the_index_once_then_answers(openrvu_home: Path, reference_path: Path) -> None:
    openrvu_home.mkdir(parents=True)
    shutil.copy(reference_path, openrvu_home / "reference.sqlite")
    runner = CliRunner()

    first = runner.invoke(app, ["search", "99213", "--json", "--limit", "3"])
    assert first.exit_code == 0, first.output
    assert (openrvu_home / INDEX_FILENAME).exists()
    hits = json.loads(first.stdout)
    assert len(hits) == 3
    assert hits[0] == {
        "hcpcs": "99213",
        "modifier": "",
        "description": hits[0]["description"],
        "score": hits[0]["score"],
        "matched": "exact code",
    }
    built = (openrvu_home / INDEX_FILENAME).stat().st_mtime_ns

    text = runner.invoke(app, ["search", "knee shot", "-n", "5"])
    assert text.exit_code == 0, text.output
    assert "20610" in text.stdout and "lay term" in text.stdout
    assert (openrvu_home / INDEX_FILENAME).stat().st_mtime_ns == built, "the index is reused"

    none = runner.invoke(app, ["search", "qqqqzzzz"])
    assert none.exit_code == 0 and "No codes match" in none.stdout

    empty = runner.invoke(app, ["search", "   "])
    assert empty.exit_code == 2 and "empty" in empty.output

    release = runner.invoke(app, ["search", "99213", "--release", "RVU19A"])
    assert release.exit_code == 2 and "RVU19A" in release.output


def test_search_without_a_reference_database_says_what_to_do(openrvu_home: Path) -> None:
    result = CliRunner().invoke(app, ["search", "knee"])
    assert result.exit_code == 2
    assert "openrvu ingest" in result.output
