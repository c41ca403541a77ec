"""``openrvu plan`` and ``openrvu offers``: thin adapters over ``openrvu.pricing.planner``."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openrvu.cli.app import app, console, fail
from openrvu.pricing import planner
from openrvu.pricing.contract import DEFAULT_CONTRACT, load_contract
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
    done: str = typer.Option("0", "--done", help="wRVU already done this period"),
    weeks: str | None = typer.Option(None, "--weeks", help="weeks left"),
    days: str | None = typer.Option(None, "--days", help="or clinic days left"),
    days_per_week: str = typer.Option("5", "--days-per-week", help="clinic days a week"),
    contract_file: Path | None = typer.Option(None, "--contract", help="contract TOML or JSON file"),
    on: str | None = typer.Option(None, "--date", help="credit at the release in force on this date (today)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """How many more procedures reach a wRVU or pay target: per code, per week and per clinic day."""
    try:
        contract = DEFAULT_CONTRACT if contract_file is None else load_contract(contract_file)
        day = parse_date(on) if on else date.today()
        # validate the numbers before opening the reference database: bad input answers at once
        done_wrvu = planner.number(done, "done")
        wrvu_goal = _optional(target_wrvu, "target_wrvu")
        pay_goal = _optional(target_pay, "target_pay")
        weeks_left = _optional(weeks, "weeks", above=True)
        days_left = _optional(days, "clinic_days", above=True)
        per_week = planner.number(days_per_week, "days_per_week", above=True)
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


def _pricing() -> Any:
    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker.catalog import Catalog

    path = load_settings().reference_db
    if not path.exists():
        raise fail(f"no reference database at {path}: run `openrvu ingest` first")
    # the tracker's pricing prices at national amounts when no locality is given; wRVU credit does
    # not depend on the locality
    return Catalog(ReferenceDB(path)).pricing


@app.command()
def offers(
    file: Path = typer.Argument(..., help="offers TOML or JSON file (see README: Planner)"),
    expected: str | None = typer.Option(None, "--expected", help="annual wRVU you expect, per 1.0 FTE"),
    low: str | None = typer.Option(None, "--low", help="a low annual wRVU scenario, per 1.0 FTE"),
    high: str | None = typer.Option(None, "--high", help="a high annual wRVU scenario, per 1.0 FTE"),
    years: int | None = typer.Option(None, "--years", help="years compared (a signing bonus counts once)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Compare 2 to 4 job offers: total pay per scenario, effective $ per wRVU, break-even wRVU."""
    try:
        data = _read(file)
        scenarios = dict(data.get("scenarios") or {})
        for name, value in (("low", low), ("expected", expected), ("high", high)):
            if value is not None:
                scenarios[name] = value
        data["scenarios"] = scenarios
        if years is not None:
            data["years"] = years
        result = planner.comparison_from_data(data)
    except PricingError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(planner.comparison_json(result), indent=2))
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
