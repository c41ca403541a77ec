"""``openrvu reconcile``: check an employer's productivity report against your own log (thin adapter
over ``openrvu.tracker.reconcile``). Reads only: nothing of the report is stored."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openrvu.cli.app import app, console, fail
from openrvu.settings import load_settings


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def _rate(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise fail(f"--rate {text!r}: expected dollars per wRVU, e.g. 55.50") from None
    if not value.is_finite() or value < 0:
        raise fail(f"--rate {text!r}: expected a number >= 0")
    return value


@app.command()
def reconcile(
    report: Path = typer.Argument(..., help="the employer's report, .csv or .xlsx"),
    email: str | None = typer.Option(None, "--user", help="whose log (default: the only account)"),
    start: str | None = typer.Option(None, "--from", help="first day, YYYY-MM-DD (default: the report's)"),
    end: str | None = typer.Option(None, "--to", help="last day, YYYY-MM-DD (default: the report's)"),
    rate: str | None = typer.Option(None, "--rate", help="$ per wRVU (default: the profile's)"),
    provider: str | None = typer.Option(
        None, "--provider", help="your name as the report's provider column spells it (to check attribution)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    out: Path | None = typer.Option(None, "-o", "--output", help="write the lines to a .csv or .xlsx file"),
) -> None:
    """Reconcile an employer's productivity report against your log: dropped charges, lines only on the
    report, wRVU differences with their computed cause (units, stale fee-schedule year, modifier
    reduction), denied lines, and the money at stake. Columns that could hold patient data are never read.
    """
    from openrvu.tracker.reconcile import result_json
    from openrvu.tracker.reconcile_export import export_csv, export_xlsx
    from openrvu.tracker.reconcile_report import ReportRejected

    first, last = _day(start, "--from"), _day(end, "--to")
    dollars = _rate(rate)
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise fail(f"-o {out}: the output is a .csv or .xlsx file")
    try:
        data = report.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {report}: {exc.strerror}") from None
    try:
        result = _run(report.name, data, email, (first, last), dollars, provider)
    except ReportRejected as exc:
        lines = "\n".join(f"  {e}" for e in exc.errors)
        raise fail(f"{report}: the report cannot be read; nothing was reconciled:\n{lines}") from None
    except (LookupError, ValueError) as exc:
        raise fail(str(exc)) from None
    if out is not None:
        out.write_bytes(export_xlsx(result) if out.suffix.lower() == ".xlsx" else export_csv(result))
    if as_json:
        typer.echo(json.dumps(result_json(result), indent=2))
        return
    _print(result)
    if out is not None:
        console.print(f"wrote {len(result.findings)} lines to {out}", highlight=False)


def _run(
    filename: str,
    data: bytes,
    email: str | None,
    period: tuple[date | None, date | None],
    rate: Decimal | None,
    provider: str | None,
) -> Any:
    """Open the reference and application databases, find the account, reconcile; close everything."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker.catalog import Catalog
    from openrvu.tracker.db import make_engine, session_factory
    from openrvu.tracker.models import User
    from openrvu.tracker.reconcile import reconcile as run

    settings = load_settings()
    if not settings.reference_db.exists():
        raise LookupError(f"no reference database at {settings.reference_db}: run `openrvu ingest` first")
    engine = make_engine(settings.database_url)
    reference = ReferenceDB(settings.reference_db)
    try:
        with session_factory(engine)() as session:
            try:
                if email:
                    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
                    if user is None:
                        raise LookupError(f"no account {email!r}")
                else:
                    count = session.scalar(select(func.count()).select_from(User)) or 0
                    if count != 1:
                        raise LookupError(f"{count} accounts in the database: pass --user EMAIL")
                    user = session.scalars(select(User)).one()
            except SQLAlchemyError:
                raise LookupError(
                    f"no application database at {settings.database_url}: sign up in the web app first"
                ) from None
            first, last = period
            catalog = Catalog(reference)
            return run(
                session,
                user,
                catalog,
                filename,
                data,
                start=first,
                end=last,
                dollars_per_wrvu=rate,
                provider=provider,
            )
    finally:
        reference.close()
        engine.dispose()


def _dollars(value: Decimal | None) -> str:
    """'-$35.00' for a negative amount, blank when no rate is set."""
    if value is None:
        return ""
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def _print(result: Any) -> None:
    from openrvu.tracker.reconcile_explain import wrvu_text

    console.print(
        f"[bold]{result.report.filename}[/]: {len(result.report.lines)} report lines, "
        f"{result.start} to {result.end}",
        highlight=False,
    )
    summary = Table(title="Reconciliation (difference = logged - credited; positive = under-credited)")
    for col in ("category", "lines", "logged wRVU", "credited wRVU", "difference", "money"):
        summary.add_column(col, justify="left" if col == "category" else "right")
    for t in result.by_category:
        money = _dollars(t.money)
        summary.add_row(
            t.label, str(t.lines), wrvu_text(t.logged), wrvu_text(t.credited), wrvu_text(t.difference), money
        )
    total = _dollars(result.money)
    summary.add_row(
        "[bold]total[/]",
        str(len(result.findings)),
        wrvu_text(result.logged),
        wrvu_text(result.credited),
        wrvu_text(result.difference),
        total,
    )
    console.print(summary)
    console.print("[bold]Lines that need a look[/] (category, rule, date, code: credited / logged, why)")
    for f in result.findings:
        if f.category == "matched":
            continue
        line = f.log or f.report
        code = line.hcpcs + "".join(f"-{m}" for m in line.modifiers)
        credited = wrvu_text(f.credited) if f.report else "-"
        logged = wrvu_text(f.logged) if f.log else "-"
        rule = f" [{f.rule}]" if f.rule else ""
        console.print(
            f"  {f.category}{rule} {line.date_of_service} {code}: {credited} / {logged}: {f.explanation}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for note in result.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True, markup=False)
