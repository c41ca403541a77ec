"""`openrvu plan` and `openrvu offers`: JSON and text output, and exit status 2 on bad input."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixtures_tracker import PRICED_DAY
from openrvu.cli import app

OFFERS_TOML = """
years = 1
[scenarios]
low = 5000
expected = 6000

[[offers]]
name = "Academic"
base_salary = 300000
threshold = 6000
dollars_per_wrvu = 50

[[offers]]
name = "Private"
base_salary = 250000
threshold = 4000
tiers = [ { from = 0, rate = 45 }, { from = 7000, rate = 55 } ]
"""


@pytest.fixture()
def home(reference_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    (path / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(path))
    monkeypatch.setenv("COLUMNS", "100")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_plan_json_counts_from_the_real_credit(home: Path, reference: Any) -> None:
    result = run(
        "plan", "--target-wrvu", "5000", "--done", "3200", "--weeks", "12", "--date", "2026-11-03",
        "99213=3", "99214", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    release = reference.release_for_date(date(2026, 11, 3))[0].name
    work = {
        c: Decimal(next(r.work_rvu for r in reference.rvu_rows(release, c) if r.modifier == ""))
        for c in ("99213", "99214")
    }
    mixes = Decimal(1800) / (3 * work["99213"] + work["99214"])
    assert [c["count"] for c in data["codes"]] == [
        int((mixes * 3).to_integral_value(ROUND_CEILING)),
        int(mixes.to_integral_value(ROUND_CEILING)),
    ]
    assert [c["release"] for c in data["codes"]] == [release, release]
    assert data["remaining"] == "1800" and data["clinic_days"] == "60.00" and data["money"] is None


def test_plan_with_a_pay_target_under_a_contract_file(home: Path, tmp_path: Path) -> None:
    contract = tmp_path / "c.toml"
    contract.write_text("threshold = 100\ntiers = [ { from = 0, rate = 40 }, { from = 150, rate = 50 } ]\n")
    result = run("plan", "--target-pay", "4500", "--done", "120", "--days", "10", "--contract", str(contract),
                 "--date", "2026-11-03", "--bonus", "1000", "20610")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "To reach 200.00 wRVU" in result.output
    assert "the wRVU left bring $3,700.00 more" in result.output
    assert "150.00 to 200.00 wRVU: 50.00 x $50.00 = $2,500.00" in result.output
    assert "Bonus $1,000.00 on reaching the target." in result.output
    assert "In all the target brings $4,700.00." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-wrvu", "-5", "--weeks", "2", "99213"], "target_wrvu"),
        (["--weeks", "2", "99213"], "target"),
        (["--target-wrvu", "50", "99213"], "weeks"),
        (["--target-wrvu", "50", "--weeks", "0", "99213"], "weeks"),
        (["--target-wrvu", "lots", "--weeks", "2", "99213"], "target_wrvu"),
        (["--target-wrvu", "50", "--weeks", "2", "ZZZZZ"], "unknown HCPCS code ZZZZZ"),
        (["--target-wrvu", "50", "--weeks", "2", "99213:26"], "modifier 26 is not allowed"),
        (["--target-wrvu", "50", "--weeks", "2", "--date", "2026-02-30", "99213"], "date"),
    ],
)
def test_plan_bad_input_exits_2_naming_the_field(home: Path, args: list[str], message: str) -> None:
    result = run("plan", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_offers_from_toml_with_overrides(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "offers.toml"
    path.write_text(OFFERS_TOML)
    text = run("offers", str(path))
    assert text.exit_code == 0, text.output
    assert "Academic and Private break even at 5,111.11 wRVU" in text.output
    assert "At expected (6,000.00 wRVU a year per FTE) Private pays most: $340,000.00" in text.output
    data = json.loads(run("offers", str(path), "--high", "8000", "--years", "2", "--json").output)
    assert [s["name"] for s in data["scenarios"]] == ["low", "expected", "high"]
    high = data["scenarios"][2]["offers"]
    # 8,000: Academic 300,000 + 50 x 2,000 = 400,000; Private 250,000 + 45 x 3,000 + 55 x 1,000 = 440,000
    assert [o["total"] for o in high] == ["400000.00", "440000.00"] and data["years"] == 2


def test_offers_from_json(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "offers.json"
    offers = [
        {"name": "A", "base_salary": 200000, "dollars_per_wrvu": 40, "threshold": 4000},
        {"name": "B", "base_salary": 260000},
    ]
    path.write_text(json.dumps({"offers": offers, "scenarios": {"expected": 5000}}))
    result = run("offers", str(path), "--json")
    assert result.exit_code == 0, result.output
    (point,) = json.loads(result.output)["break_evens"]
    # 200,000 + 40 (x - 4,000) = 260,000 -> x = 5,500
    assert point["wrvu_per_fte"] == "5500.00" and point["first_total"] == point["second_total"] == "260000.00"


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (OFFERS_TOML.replace("{ from = 7000", "{ from = -7000"), ".toml", "offers[2]"),
        (OFFERS_TOML.replace("from = 0, rate = 45 }, { from = 7000", "from = 7000, rate = 45 }, { from = 0"),
         ".toml", "increasing order"),
        (OFFERS_TOML.replace("base_salary = 300000", "base_salary = -1"), ".toml", "offers[1].base_salary"),
        (OFFERS_TOML.replace("low = 5000\nexpected = 6000", "medium = 5"), ".toml", "unknown name(s) medium"),
        ("[[offers]\n", ".toml", "not valid TOML"),
        ("[1, 2]", ".json", "expected a table"),
    ],
)  # fmt: skip
def test_offers_bad_input_exits_2(
    home: Path, tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"offers{suffix}"
    path.write_text(content)
    result = run("offers", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_offers_missing_file_exits_2(home: Path, tmp_path: Path) -> None:
    result = run("offers", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "cannot read" in result.output


def test_the_readme_offers_example_runs(home: Path, tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("## Planner", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "offers.toml"
    path.write_text(example)
    result = run("offers", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["scenarios"]] == ["low", "expected", "high"]
    assert {o["offer"] for o in data["scenarios"][0]["offers"]} == {"Academic", "Private group"}


def test_plan_and_offers_start_from_an_account(home: Path, reference: Any, tmp_path: Path) -> None:
    """--user: wRVU of --date's year so far from the log, goal 5,000 x 0.8 FTE = 4,000, $50 per wRVU,
    weeks to December 31; offers at the log's pace this year, annualised and divided by the FTE."""
    from openrvu.tracker import accounts, entries
    from openrvu.tracker.catalog import Catalog, LineSpec
    from openrvu.tracker.db import make_engine, migrate, session_factory
    from openrvu.tracker.profile import update_profile

    url = f"sqlite:///{home / 'openrvu.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    day = PRICED_DAY  # the lines are priced whatever the date; the plan is made as of that day
    with session_factory(engine)() as session:
        user = accounts.sign_up(session, "doc@example.org", "correct horse battery staple")
        update_profile(session, user, {"annual_wrvu_goal": "5000", "fte": "0.8", "dollars_per_wrvu": "50"})
        for code in ("99214", "99213", "99213"):
            entries.create_entry(session, user, LineSpec(day, code, (), 1, "11"), Catalog(reference))
        done = entries.total_wrvu(entries.list_entries(session, user))
    engine.dispose()
    assert done > 0
    result = run("plan", "--user", "doc@example.org", "--date", day.isoformat(), "99213", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert Decimal(data["done"]) == done and Decimal(data["target_wrvu"]) == Decimal(4000)
    days_left = (date(day.year, 12, 31) - day).days + 1
    assert Decimal(data["clinic_days"]) == (Decimal(days_left) / 7 * 5).quantize(Decimal("0.01"))
    assert data["money"]["increment"] == f"{(Decimal(4000) - done) * 50:.2f}"
    override = json.loads(
        run(
            "plan", "--user", "doc@example.org", "--date", day.isoformat(), "--done", "100", "99213", "--json"
        ).output
    )
    assert override["done"] == "100"

    # offers take the pace of today's year: the lines count while today is in their year
    path = tmp_path / "offers.toml"
    path.write_text("[[offers]]" + OFFERS_TOML.split("[[offers]]", 1)[1])
    compared = run("offers", str(path), "--user", "doc@example.org", "--json")
    today = date.today()
    if today.year == day.year:
        pace = (done * 365 / ((today - date(today.year, 1, 1)).days + 1) / Decimal("0.8")).quantize(
            Decimal("0.01")
        )
        expected = Decimal(json.loads(compared.output)["scenarios"][1]["wrvu_per_fte"])
        assert abs(expected - pace) <= 1  # whole wRVU
    else:
        assert compared.exit_code == 2 and "no lines this year: give --expected" in compared.output
    assert run("plan", "--user", "nobody@example.org", "99213").exit_code == 2


def test_offers_from_an_account_whose_lines_wait_for_the_years_release(
    reference_2025_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--user while no loaded release covers today's year: the year's lines are stored unpriced, so
    there is no pace yet; the error says how many lines wait for the release (not that there are
    none) and still exits 2 asking for --expected. A CY2025-only reference makes today such a day."""
    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker import accounts, entries
    from openrvu.tracker.catalog import Catalog, LineSpec
    from openrvu.tracker.db import make_engine, migrate, session_factory

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_2025_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{home / 'openrvu.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    reference = ReferenceDB(reference_2025_path)
    today = date.today()
    path = tmp_path / "offers.toml"
    path.write_text("[[offers]]" + OFFERS_TOML.split("[[offers]]", 1)[1])
    try:
        with session_factory(engine)() as session:
            user = accounts.sign_up(session, "wait@example.org", "correct horse battery staple")
            none_yet = run("offers", str(path), "--user", "wait@example.org")
            assert none_yet.exit_code == 2 and "no lines this year: give --expected" in none_yet.output
            for code in ("99213", "99214"):
                entries.create_entry(session, user, LineSpec(today, code, (), 1, "11"), Catalog(reference))
            assert [e.wrvu for e in entries.list_entries(session, user)] == [None, None]
    finally:
        engine.dispose()
        reference.close()
    result = run("offers", str(path), "--user", "wait@example.org")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "no lines this year" not in message
    assert f"has 2 lines this year waiting for the {today.year} CMS release" in message
    assert "the pace appears once it is loaded; give --expected until then" in message
    given = run("offers", str(path), "--user", "wait@example.org", "--expected", "5000", "--json")
    assert given.exit_code == 0 and json.loads(given.output)["scenarios"][0]["wrvu_per_fte"] == "5000"


def test_plan_from_an_account_whose_lines_wait_for_the_years_release(
    reference_2025_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """plan --user while no loaded release covers the day's year: the year's lines are stored unpriced,
    so the plan starts from 0 done as before, and a note (on stderr, the JSON untouched) says how many
    lines wait for the release; --done silences it. A CY2025-only reference makes today such a day."""
    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker import accounts, entries
    from openrvu.tracker.catalog import Catalog, LineSpec
    from openrvu.tracker.db import make_engine, migrate, session_factory

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_2025_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{home / 'openrvu.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    reference = ReferenceDB(reference_2025_path)
    today = date.today()
    args = ("plan", "--user", "wait@example.org", "--target-wrvu", "4000", "99213")
    try:
        with session_factory(engine)() as session:
            user = accounts.sign_up(session, "wait@example.org", "correct horse battery staple")
            none_yet = run(*args, "--json")
            assert none_yet.exit_code == 0 and "waiting for" not in none_yet.output
            for code in ("99213", "99214", "99213"):
                entries.create_entry(session, user, LineSpec(today, code, (), 1, "11"), Catalog(reference))
            assert [e.wrvu for e in entries.list_entries(session, user)] == [None, None, None]
    finally:
        engine.dispose()
        reference.close()
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["done"] == "0.00"  # the plan itself is unchanged
    note = " ".join(result.stderr.split())
    assert f"wait@example.org has 3 lines this year waiting for the {today.year} CMS release" in note
    assert "the wRVU done so far is 0; your year-to-date appears once the release is loaded" in note
    text = run(*args)
    assert text.exit_code == 0 and "3 lines this year waiting for" in " ".join(text.output.split())
    given = run(*args, "--done", "100", "--json")
    assert given.exit_code == 0 and "waiting for" not in given.output
    assert json.loads(given.stdout)["done"] == "100"
