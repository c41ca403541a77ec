"""`openrvu price` shows the coding warnings (JSON ``warnings`` beside ``lines``; a short list for
people) and they never change an amount. Codes are picked from the loaded release by indicator."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openrvu.cli import app
from openrvu.pricing.model import LineInput
from openrvu.pricing.report import result_json
from openrvu.pricing.service import PricingService
from openrvu.reference.categories import EM_FAMILIES

DAY = "2025-11-03"
WHERE = ["--pos", "11", "--locality", "01112-05", "--date", DAY]


@pytest.fixture(scope="module")
def picked(reference):  # type: ignore[no-untyped-def]
    """An add-on code, a 0-day-global procedure and an office E/M visit of the release of ``DAY``."""
    release, _ = reference.release_for_date(date.fromisoformat(DAY))
    active = [r for r in reference.iter_rvu(release.name) if r.modifier == "" and r.status_code == "A"]
    addon = next(r.hcpcs for r in active if r.global_days == "ZZZ" and r.hcpcs.isdigit())
    minor = next(r.hcpcs for r in active if r.global_days == "000" and r.mult_proc == "2")
    visit = EM_FAMILIES[1][2][2]
    return addon, minor, visit


@pytest.fixture()
def run(reference_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "100")

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, ["price", *args, *WHERE])
        assert result.exit_code == 0, result.output
        return str(result.output)

    return invoke


def test_json_lists_the_warnings_beside_the_lines(run, picked, reference) -> None:  # type: ignore[no-untyped-def]
    addon, minor, visit = picked
    alone = json.loads(run(addon, "--json"))
    assert [(w["code"], w["lines"], w["severity"]) for w in alone["warnings"]] == [
        ("addon-without-primary", [1], "warning")
    ]
    warning = alone["warnings"][0]
    assert (
        warning["date"] == DAY
        and addon in warning["message"]
        and warning["source"].startswith("payment-rules")
    )
    visit_day = json.loads(run(visit, minor, "--json"))
    (w,) = visit_day["warnings"]
    assert w["code"] == "em-same-day-minor-procedure" and w["lines"] == [1] and w["related_lines"] == [2]
    assert w["modifiers"] == ["25"]
    assert json.loads(run(f"{visit}:25", minor, "--json"))["warnings"] == []


def test_warnings_never_change_an_amount(run, picked, reference) -> None:  # type: ignore[no-untyped-def]
    addon, minor, visit = picked
    shown = json.loads(run(visit, minor, addon, "--json"))
    assert shown["warnings"]  # the visit without 25
    lines = [LineInput(visit, (), 1, "11"), LineInput(minor, (), 1, "11"), LineInput(addon, (), 1, "11")]
    priced = PricingService(reference).price(lines, on=date.fromisoformat(DAY), locality="01112-05")
    alone = result_json(priced)
    assert alone["warnings"] == []
    assert {k: v for k, v in shown.items() if k != "warnings"} == {
        k: v for k, v in alone.items() if k != "warnings"
    }


def test_text_output_ends_with_a_short_list_to_check(run, picked) -> None:  # type: ignore[no-untyped-def]
    addon, minor, visit = picked
    out = run(visit, minor)
    head, tail = out.split("Check before billing (1)", 1)
    assert "Total allowed $" in head  # after the amounts, which it does not change
    assert "warning [em-same-day-minor-procedure] line 1:" in tail and "modifier 25" in " ".join(tail.split())
    assert "Check before billing" not in run(f"{visit}:25", minor)
