"""`openrvu ingest` leaves the search ready: the derived index is built in the same step."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from openrvu.cli import app
from openrvu.search.index import index_path_for, is_current
from openrvu.settings import load_settings


def test_ingest_builds_a_current_search_index(openrvu_home: Path, cms_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(cms_dir / "pfs_rvu_2025")])
    assert result.exit_code == 0, result.output
    reference = load_settings().reference_db
    index = index_path_for(reference)
    assert is_current(reference, index)
    assert "Search index ready" in result.output

    hits = runner.invoke(app, ["search", "99213", "--json"])
    assert hits.exit_code == 0
    assert '"hcpcs": "99213"' in hits.output

    again = runner.invoke(app, ["ingest", str(cms_dir / "pfs_rvu_2025")])
    assert again.exit_code == 0
    assert "Search index ready" not in again.output  # nothing changed, nothing rebuilt
