"""openrvu ingest / code / releases / info through Typer's CliRunner, on the real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openrvu.cli import app

runner = CliRunner()


@pytest.fixture()
def loaded_home(openrvu_home: Path, reference_path: Path) -> Path:
    """An OPENRVU_HOME whose reference database holds both releases (a copy of the session one)."""
    openrvu_home.mkdir(parents=True)
    shutil.copy(reference_path, openrvu_home / "reference.sqlite")
    return openrvu_home


def test_ingest_then_again(openrvu_home: Path, cms_dir: Path) -> None:
    first = runner.invoke(app, ["ingest", str(cms_dir / "pfs_rvu_2026")])
    assert first.exit_code == 0, first.output
    assert "RVU26C" in first.output and "loaded" in first.output
    again = runner.invoke(app, ["ingest", str(cms_dir / "pfs_rvu_2026")])
    assert again.exit_code == 0
    assert "unchanged" in again.output and "Nothing new" in again.output


def test_ingest_bad_file_exits_2(openrvu_home: Path, tmp_path: Path, cms_dir: Path) -> None:
    bad = tmp_path / "GPCI2025.csv"
    bad.write_text((cms_dir / "pfs_rvu_2025/GPCI2025.csv").read_text().replace("0.869", "n/a", 1))
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 2
    assert "GPCI2025.csv, line 4" in result.output and "unchanged" in result.output
    assert not (openrvu_home / "reference.sqlite").exists()


def test_code_json(loaded_home: Path) -> None:
    result = runner.invoke(app, ["code", "70557", "--modifier", "26", "--release", "RVU25D", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert (info["status_code"], info["work_rvu"], info["release"]) == ("A", "2.90", "RVU25D")
    written = runner.invoke(app, ["code", "70557-26", "--release", "RVU25D", "--json"])
    assert json.loads(written.output)["modifier"] == "26"


def test_code_by_date_and_text(loaded_home: Path) -> None:
    result = runner.invoke(app, ["code", "27447", "--date", "2025-11-03"])
    assert result.exit_code == 0, result.output
    assert "19.60" in result.output and "RVU25D" in result.output and "Musculoskeletal" in result.output
    warned = runner.invoke(app, ["code", "99213", "--date", "2026-02-01"])
    assert warned.exit_code == 0 and "RVU26A" in warned.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["code", "99231X"], "closest codes: 99231"),
        (["code", "99213", "--release", "RVU19A"], "not loaded"),
        (["code", "99213", "--date", "2024-05-01"], "no release for 2024"),
        (["code", "99213", "--date", "May 1"], "not a date"),
        (["code", "99213", "--date", "2025-11-01", "--release", "RVU25D"], "not both"),
    ],
)
def test_bad_input_exits_2(loaded_home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_releases_json_and_info(loaded_home: Path) -> None:
    result = runner.invoke(app, ["releases", "--json"])
    assert result.exit_code == 0
    names = [(r["name"], r["conv_factor"], r["rvu_rows"]) for r in json.loads(result.output)]
    assert names == [("RVU25D", "32.3465", 19_090), ("RVU26C", "33.4009", 19_356)]
    info = runner.invoke(app, ["info"])
    assert info.exit_code == 0 and "RVU26C" in info.output and "openrvu code 99213" in info.output


def test_commands_without_a_database(openrvu_home: Path) -> None:
    result = runner.invoke(app, ["code", "99213"])
    assert result.exit_code == 2 and "openrvu ingest" in result.output
    info = runner.invoke(app, ["info"])
    assert info.exit_code == 0 and "Nothing loaded yet" in info.output
