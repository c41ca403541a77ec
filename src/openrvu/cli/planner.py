"""``openrvu plan`` and ``openrvu offers``: thin adapters over ``openrvu.pricing.planner``."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openrvu.cli.app import app, console, err_console, fail
from openrvu.pricing import job_offers, planner
from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract, load_contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.records import parse_date
from openrvu.settings import load_settings


def _optional(value: str | None, field: str, **limits: Any) -> Decimal | None:
    return None if value is None else planner.number(value, field, **limits)


@app.command()
def plan(
    codes: list[str] = typer.Argument(
        ..., help="CODE[:MOD[:MOD]][xUNITS][=SHARE]: one code, or a mix in proportions (99213=3 99214=1)"
    ),
    target_wrvu: str | None = typer.Option(None, "--target-wrvu", help="the wRVU total to reach"),
    target_pay: str | None = typer.Option(
        None, "--target-pay", help="or the productivity pay to reach, under --contract's threshold and tiers"
    ),
    done: str | None = typer.Option(None, "--done", help="wRVU already done this period (0)"),
    weeks: str | None = typer.Option(None, "--weeks", help="weeks left"),
    days: str | None = typer.Option(None, "--days", help="or clinic days left"),
    days_per_week: str = typer.Option("5", "--days-per-week", help="clinic days a week"),
    contract_file: Path | None = typer.Option(None, "--contract", help="contract TOML or JSON file"),
    bonus: str = typer.Option("0", "--bonus", help="lump sum the contract pays on reaching the target"),
    on: str | None = typer.Option(None, "--date", help="credit at the release in force on this date (today)"),
    user: str | None = typer.Option(
        None, "--user", help="start from this account: wRVU this year, goal x FTE, contract, weeks to Dec 31"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """How many more procedures reach a wRVU or pay target: per code, per week and per clinic day.

    With --user, the options given still win over the account's figures.
    """
    try:
        contract = DEFAULT_CONTRACT if contract_file is None else load_contract(contract_file)
        day = parse_date(on) if on else date.today()
        # validate the numbers before opening the reference database: bad input answers at once
        done_wrvu = planner.number(done or "0", "done")
        wrvu_goal = _optional(target_wrvu, "target_wrvu")
        pay_goal = _optional(target_pay, "target_pay")
        weeks_left = _optional(weeks, "weeks", above=True)
        days_left = _optional(days, "clinic_days", above=True)
        if user is not None:
            account = _account(user, day)
            done_wrvu = done_wrvu if done is not None else account.done
            if done is None and account.awaiting:
                # on stderr: the plan (and its JSON on stdout) is unchanged, it starts from 0 done
                waiting = _awaiting_lines(user, account.awaiting, day.year)
                err_console.print(
                    f"note: {waiting}, so the wRVU done so far is 0; your year-to-date appears once the "
                    "release is loaded (or give --done)",
                    highlight=False,
                    soft_wrap=True,
                )
            if wrvu_goal is None and pay_goal is None:
                wrvu_goal = account.goal
            contract = contract if contract_file is not None else account.contract
            if weeks_left is None and days_left is None:
                weeks_left = Decimal((date(day.year, 12, 31) - day).days + 1) / 7
        per_week = planner.number(days_per_week, "days_per_week", above=True)
        lump = planner.number(bonus, "bonus")
        for token in codes:
            planner.parse_plan_token(token)
        items = planner.plan_codes(_pricing(), codes, on=day, locality="national", contract=contract)
        result = planner.reverse_plan(
            items,
            done=done_wrvu,
            target_wrvu=wrvu_goal,
            target_pay=pay_goal,
            weeks=weeks_left,
            clinic_days=days_left,
            days_per_week=per_week,
            contract=contract,
            bonus=lump,
        )
    except PricingError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(planner.plan_json(result), indent=2))
        return
    table = Table(title=f"To reach {planner.wrvu_text(result.target_wrvu)} wRVU")
    for name in ("code", "wRVU each", "more", "a week", "a clinic day"):
        table.add_column(name, justify="left" if name == "code" else "right")
    for c in result.counts:
        table.add_row(c.code.label, str(c.code.wrvu), f"{c.count:,}", str(c.per_week), str(c.per_day))
    console.print(table)
    for step in result.steps:
        console.print(step, highlight=False, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class _Account:
    done: Decimal  # wRVU from 1 January to the day
    goal: Decimal | None  # annual goal x FTE
    contract: Contract  # credit switches and $ per wRVU of the profile
    pace_per_fte: Decimal | None  # the year so far, annualised, per 1.0 FTE
    awaiting: int  # lines of the year so far waiting for the year's CMS release (unpriced)


def _account(email: str, day: date) -> _Account:
    """An account's figures from the application database (``DATABASE_URL``)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from openrvu.tracker.catalog import user_contract
    from openrvu.tracker.dashboard import year_to_date_awaiting, year_to_date_wrvu
    from openrvu.tracker.db import make_engine, session_factory
    from openrvu.tracker.models import User

    engine = make_engine(load_settings().database_url)
    try:
        with session_factory(engine)() as session:
            found = session.scalars(select(User).where(User.email == email.strip().lower())).first()
            if found is None:
                raise PricingError(f"no account {email!r}", field="user")
            done = year_to_date_wrvu(session, found, day)
            first = date(day.year, 1, 1)
            pace = planner.annualized(done, first, day) / found.fte if done else None
            goal = found.annual_wrvu_goal * found.fte if found.annual_wrvu_goal else None
            awaiting = 0 if done else year_to_date_awaiting(session, found, _catalog(), day)
            return _Account(done, goal, user_contract(found), pace, awaiting)
    except SQLAlchemyError as exc:
        raise PricingError(
            f"cannot read the accounts database: {exc.__class__.__name__}", field="user"
        ) from None
    finally:
        engine.dispose()


def _awaiting_lines(email: str, waiting: int, year: int) -> str:
    """Why an account's year so far has no wRVU: its lines wait unpriced for the year's CMS release."""
    lines = "1 line" if waiting == 1 else f"{waiting:,} lines"
    return f"{email} has {lines} this year waiting for the {year} CMS release (not loaded yet)"


def _catalog() -> Any:
    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker.catalog import Catalog

    path = load_settings().reference_db
    if not path.exists():
        raise fail(f"no reference database at {path}: run `openrvu ingest` first")
    return Catalog(ReferenceDB(path))


def _pricing() -> Any:
    # the tracker's pricing prices at national amounts when no locality is given; wRVU credit does
    # not depend on the locality
    return _catalog().pricing


@app.command()
def offers(
    file: Path = typer.Argument(..., help="offers TOML or JSON file (see README: Planner)"),
    expected: str | None = typer.Option(None, "--expected", help="annual wRVU you expect, per 1.0 FTE"),
    low: str | None = typer.Option(None, "--low", help="a low annual wRVU scenario, per 1.0 FTE"),
    high: str | None = typer.Option(None, "--high", help="a high annual wRVU scenario, per 1.0 FTE"),
    years: int | None = typer.Option(None, "--years", help="years compared (a signing bonus counts once)"),
    user: str | None = typer.Option(
        None, "--user", help="without scenarios: this account's pace this year, per FTE (low/high 10% off)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Compare 2 to 4 job offers: total pay per scenario, effective $ per wRVU, break-even wRVU."""
    try:
        data = _read(file)
        scenarios = dict(data.get("scenarios") or {})
        if user is not None and not scenarios and expected is None:
            today = date.today()
            account = _account(user, today)
            pace = account.pace_per_fte
            if pace is None and account.awaiting:
                raise PricingError(
                    f"{_awaiting_lines(user, account.awaiting, today.year)}: the pace appears once it is "
                    "loaded; give --expected until then",
                    field="expected",
                )
            if pace is None:
                raise PricingError(f"{user} has no lines this year: give --expected", field="expected")
            scenarios = {"low": pace * Decimal("0.9"), "expected": pace, "high": pace * Decimal("1.1")}
            scenarios = {k: v.quantize(Decimal(1)) for k, v in scenarios.items()}
        for name, value in (("low", low), ("expected", expected), ("high", high)):
            if value is not None:
                scenarios[name] = value
        data["scenarios"] = scenarios
        if years is not None:
            data["years"] = years
        result = job_offers.comparison_from_data(data)
    except PricingError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(job_offers.comparison_json(result), indent=2))
        return
    table = Table(title="Total pay a year" + (f" (over {result.years} years)" if result.years > 1 else ""))
    table.add_column("offer")
    for s in result.scenarios:
        table.add_column(f"{s.name}\n{planner.wrvu_text(s.wrvu)} wRVU/FTE", justify="right")
    for i, offer in enumerate(result.offers):
        cells = []
        for row, winners in zip(result.results, result.winners, strict=True):
            pay = row[i]
            mark = " *" if offer.name in winners else ""
            rate = f"\n{planner.money_text(pay.effective_rate)}/wRVU" if pay.effective_rate else ""
            cells.append(f"{planner.money_text(pay.total)}{mark}{rate}")
        table.add_row(offer.name, *cells)
    console.print(table)
    for verdict in result.verdicts:
        console.print(verdict, highlight=False, soft_wrap=True)
    for be in result.break_evens:
        console.print(be.text, highlight=False, soft_wrap=True)
    for row in result.results:
        for pay in row:
            console.print(f"[bold]{pay.offer} at {pay.scenario}[/bold]", highlight=False)
            for line in pay.lines:
                console.print(f"   {line}", highlight=False, soft_wrap=True)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PricingError(f"cannot read {path}: {exc.strerror}", field="file") from None
    is_json = path.suffix.lower() == ".json"
    try:
        data = json.loads(raw) if is_json else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PricingError(
            f"{path}: not valid {'JSON' if is_json else 'TOML'}: {exc}", field="file"
        ) from None
    if not isinstance(data, dict):
        raise PricingError(f"{path}: expected a table with offers, scenarios and years", field="file")
    return data
