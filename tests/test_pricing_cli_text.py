"""`openrvu price` for people: a summary table, then every rule of every line, readable at 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openrvu.cli import app


def test_text_output_lists_each_line_and_its_rules(
    reference_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(
        app, ["price", "20610", "20610", "--pos", "11", "--locality", "01112-05", "--date", "2025-11-03"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "1. 20610" in out and "2. 20610" in out
    # the second 20610 of the day ranks at 50%: the rule says so in words on its own line
    second = out.split("2. 20610", 1)[1]
    assert "rule 13: multiple procedures: later procedure, 50%" in second
    assert "rule 5: non-facility PE RVU: POS 11" in out
    assert "Total allowed $116.11" in out
    assert max(len(line) for line in out.splitlines()) <= 80
