"""``openrvu reconcile`` through Typer's CliRunner: a real OPENRVU_HOME (reference database built from
the CMS files, a migrated application database with one account's log) and a SYNTHETIC report."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from openrvu.cli import app
from openrvu.reference.db import ReferenceDB
from openrvu.tracker import accounts
from openrvu.tracker.catalog import Catalog
from openrvu.tracker.db import make_engine, migrate, session_factory
from openrvu.tracker.models import User
from test_tracker_reconcile import build_scenario

runner = CliRunner()
EMAIL = "clinician@example.org"


@pytest.fixture()
def home_with_log(openrvu_home: Path, reference_path: Path, light_argon2: None) -> tuple[Path, Path]:
    """OPENRVU_HOME with the reference data and one account's log; returns it and the report file."""
    openrvu_home.mkdir(parents=True)
    shutil.copy(reference_path, openrvu_home / "reference.sqlite")
    url = f"sqlite:///{openrvu_home / 'openrvu.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    reference = ReferenceDB(openrvu_home / "reference.sqlite")
    with session_factory(engine)() as session:
        user = accounts.sign_up(session, EMAIL, "correct horse battery")
        user.dollars_per_wrvu = Decimal("50")
        session.commit()
        data, _code = build_scenario(session, user, Catalog(reference))
    reference.close()
    engine.dispose()
    report = openrvu_home.parent / "synthetic-report.csv"
    report.write_bytes(data)
    return openrvu_home, report


def test_text_summary_names_categories_rules_and_money(home_with_log: tuple[Path, Path]) -> None:
    _home, report = home_with_log
    result = runner.invoke(app, ["reconcile", str(report), "--user", EMAIL])
    assert result.exit_code == 0, result.output
    assert "possible dropped charge" in result.output and "stale fee-schedule year" in result.output
    assert "$" in result.output and "Patient Name" in result.output  # the note on unread columns
    assert "SYNTHETIC PATIENT" not in result.output


def test_json_and_outputs_with_the_only_account_by_default(
    home_with_log: tuple[Path, Path], tmp_path: Path
) -> None:
    _home, report = home_with_log
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["reconcile", str(report), "--json", "-o", str(out), "--rate", "40"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    totals = body["totals"]
    assert Decimal(totals["difference_wrvu"]) == Decimal(totals["logged_wrvu"]) - Decimal(
        totals["credited_wrvu"]
    )
    assert Decimal(totals["money_at_stake"]) == (Decimal(totals["difference_wrvu"]) * 40).quantize(
        Decimal("0.01")
    )
    assert body["report"]["patient_data_columns_ignored"] == ["Patient Name", "MRN", "DOB", "Account #"]
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == len(body["lines"]) and {r["category"] for r in rows} >= {"denied", "not_in_log"}
    xlsx = tmp_path / "out.xlsx"
    narrowed = runner.invoke(
        app, ["reconcile", str(report), "--from", "2026-08-10", "--to", "2026-08-12", "-o", str(xlsx)]
    )
    assert narrowed.exit_code == 0, narrowed.output
    book = load_workbook(xlsx, read_only=True)
    assert len(list(book["Lines"].iter_rows())) == 1 + 3  # 97110, 20610, 71046
    book.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.org"], "no account"),
        (["--from", "2026-13-01"], "--from"),
        (["--from", "2026-08-20", "--to", "2026-08-01"], "before it starts"),
        (["-o", "out.txt"], ".csv or .xlsx"),
        (["--rate", "lots"], "--rate"),
    ],
)
def test_bad_options_exit_2(home_with_log: tuple[Path, Path], args: list[str], message: str) -> None:
    _home, report = home_with_log
    result = runner.invoke(app, ["reconcile", str(report), *args])
    assert result.exit_code == 2 and message in result.output


def test_bad_report_exits_2_with_line_and_column(home_with_log: tuple[Path, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,CPT,wRVU\n2026-08-03,99213,1.30\n2026-08-04,99213,lots\n")
    result = runner.invoke(app, ["reconcile", str(bad)])
    assert result.exit_code == 2
    assert "line 3, column 'wRVU'" in result.output and "nothing was reconciled" in result.output
    missing = runner.invoke(app, ["reconcile", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_provider_option_checks_attribution(home_with_log: tuple[Path, Path], tmp_path: Path) -> None:
    group = tmp_path / "group.csv"
    group.write_text(
        "Service Date,CPT,wRVU,Provider\n"
        "2026-08-04,99214,1.92,SYNTHETIC DR B\n2026-08-06,99213,1.30,SYNTHETIC ME\n"
    )
    args = ["reconcile", str(group), "--provider", "SYNTHETIC ME", "--json"]
    body = json.loads(runner.invoke(app, args).output)
    found = {(line["report"]["hcpcs"], line["category"]) for line in body["lines"] if line["report"]}
    assert found == {("99214", "credited_to_another"), ("99213", "matched")}
    unknown = runner.invoke(app, ["reconcile", str(group), "--provider", "SOMEONE"])
    assert unknown.exit_code == 2 and "it lists: SYNTHETIC DR B, SYNTHETIC ME" in unknown.output


def test_two_accounts_need_user(home_with_log: tuple[Path, Path]) -> None:
    home, report = home_with_log
    engine = make_engine(f"sqlite:///{home / 'openrvu.sqlite'}")
    with session_factory(engine)() as session:
        admin = session.query(User).one()
        accounts.set_signup_mode(session, admin, "open")
        accounts.sign_up(session, "second@example.org", "correct horse battery")
    engine.dispose()
    result = runner.invoke(app, ["reconcile", str(report)])
    assert result.exit_code == 2 and "2 accounts" in result.output and "--user" in result.output
    other = runner.invoke(app, ["reconcile", str(report), "--user", "second@example.org", "--json"])
    assert other.exit_code == 0 and json.loads(other.output)["totals"]["logged_wrvu"] == "0"
