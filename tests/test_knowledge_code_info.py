"""The knowledge sections reach code_info and `openrvu code --json` for real codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openrvu.cli.app import app
from openrvu.reference.db import ReferenceDB
from openrvu.reference.lookup import code_info

_SECTIONS = ("plain_language", "also_known_as", "clinical_context", "specialties", "billing_notes", "faq")


@pytest.mark.parametrize("code", ["G0320", "99213", "27447", "70557", "0001F", "E0100"])
def test_code_info_has_the_knowledge_sections(reference: ReferenceDB, code: str) -> None:
    info = code_info(reference, code)
    for key in _SECTIONS:
        assert key in info, key
    assert info["plain_language"]
    assert [q["question"] for q in info["faq"]][0] == f"What is code {code}?"


def test_code_info_for_a_level2_code_outside_the_fee_schedule(reference: ReferenceDB) -> None:
    info = code_info(reference, "E0100")  # a cane: durable equipment, not a physician fee schedule code
    assert info["status_code"] is None
    assert "not priced" in info["faq"][4]["answer"]
    assert any("durable medical equipment" in n.lower() for n in info["billing_notes"])


def test_cli_code_json_carries_plain_language(
    reference_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    result = CliRunner().invoke(app, ["code", "G0320", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["plain_language"] == "Home health visit by video"
    assert "video doctor visit at home" in info["also_known_as"]
    assert info["specialties"] == ["Home Health Agency"]
    assert "RVU26C" in info["faq"][3]["answer"]
