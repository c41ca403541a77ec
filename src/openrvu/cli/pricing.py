"""``openrvu price`` and ``openrvu reprice``: thin adapters over ``openrvu.pricing``."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import typer
from rich.table import Table

from openrvu.cli.app import app, console, fail
from openrvu.pricing.bulk import BulkRepricer, releases_for
from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract, load_contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import EncounterResult, LineInput, Provider
from openrvu.pricing.records import REQUIRED_COLUMNS, optional_columns, parse_date
from openrvu.pricing.report import result_json
from openrvu.pricing.service import PricingService, parse_code
from openrvu.pricing.warnings import BillingWarning
from openrvu.settings import load_settings


def _service(contract: Contract) -> PricingService:
    from openrvu.reference.db import ReferenceDB

    path = load_settings().reference_db
    if not path.exists():
        raise fail(f"no reference database at {path}: run `openrvu ingest` first")
    return PricingService(ReferenceDB(path), contract)


def _contract(path: Path | None) -> Contract:
    return DEFAULT_CONTRACT if path is None else load_contract(path)


@app.command()
def price(
    codes: list[str] = typer.Argument(..., help="CODE[:MOD[:MOD]][xUNITS], e.g. 27447:80 or 97110x3"),
    pos: str = typer.Option(..., "--pos", help="place of service, e.g. 11 or 22"),
    locality: str | None = typer.Option(None, "--locality", help="carrier-locality, e.g. 01112-05"),
    zip_code: str | None = typer.Option(None, "--zip", help="ZIP code of the place of service"),
    on: str = typer.Option(..., "--date", help="date of service, YYYY-MM-DD"),
    npp: bool = typer.Option(False, "--npp", help="billed by an NP/PA/CNS (85%)"),
    nonpar: bool = typer.Option(False, "--nonpar", help="non-participating provider (95%, limiting charge)"),
    contract_file: Path | None = typer.Option(None, "--contract", help="contract TOML or JSON file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    anes_minutes: int | None = typer.Option(None, "--anes-minutes", help="anesthesia time in minutes"),
    anes_base: str | None = typer.Option(None, "--anes-base", help="anesthesia base units of the code"),
    reduced_pct: str | None = typer.Option(None, "--reduced-pct", help="percent paid for -52 (default 50)"),
) -> None:
    """Price codes billed together (one encounter): allowed amount, wRVU credit and every rule applied."""
    if (locality is None) == (zip_code is None):
        raise fail("give exactly one of --locality CARRIER-LOCALITY or --zip ZIP")
    try:
        contract = _contract(contract_file)
        day: date = parse_date(on)
        base = _number(anes_base, "--anes-base")
        pct = _number(reduced_pct, "--reduced-pct")
        lines = [
            LineInput(c.hcpcs, c.modifiers, c.units, pos, anes_minutes, base, pct)
            for c in map(parse_code, codes)
        ]
        service = _service(contract)
        result = service.price(
            lines, on=day, locality=str(locality or zip_code), provider=Provider(npp, not nonpar)
        )
    except PricingError as exc:
        raise fail(str(exc)) from None
    warnings = service.coding_warnings(lines, on=day)
    if as_json:
        typer.echo(json.dumps(result_json(result, warnings), indent=2))
        return
    _print_table(result)
    _print_warnings(warnings)


def _number(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PricingError(f"{option} must be a number, got {text!r}", field=option) from None


def _print_table(result: EncounterResult) -> None:
    """A summary table, then each line's rules as a numbered list (readable in an 80-column terminal)."""
    table = Table(title="CMS allowed amount and wRVU credit")
    for name in ("#", "code", "release / setting", "RVUs W/PE/MP", "allowed", "wRVU"):
        table.add_column(name, justify="right" if name in ("allowed", "wRVU") else "left")
    labels = []
    for n, line in enumerate(result.lines, start=1):
        code = (
            line.hcpcs
            + "".join(f"-{m}" for m in line.modifiers)
            + (f" x{line.units}" if line.units > 1 else "")
        )
        labels.append(code)
        table.add_row(
            str(n),
            code,
            f"{line.release} {'facility' if line.facility else 'non-facility'} (POS {line.pos})\n"
            f"{line.carrier}-{line.locality}, CF {line.conv_factor}",
            f"{line.work_rvu} / {line.pe_rvu} / {line.mp_rvu}",
            "contractor-priced" if line.allowed is None else f"${line.allowed:,.2f}",
            f"{line.wrvu}",
        )
    console.print(table)
    for n, (code, line) in enumerate(zip(labels, result.lines, strict=True), start=1):
        console.print(f"[bold]{n}. {code}[/bold]", highlight=False)
        for r in line.rules:
            console.print(f"   rule {r.rule}: {r.effect} [dim]({r.source})[/dim]", highlight=False)
    console.print(f"Total allowed ${result.total_allowed:,.2f}   total wRVU {result.total_wrvu}")


def _print_warnings(warnings: Sequence[BillingWarning]) -> None:
    """The coding warnings under the table: what to check, never a change to the amounts above."""
    if not warnings:
        return
    console.print(f"[bold]Check before billing ({len(warnings)})[/bold] [dim](amounts above unchanged)[/dim]")
    for w in warnings:
        where = ("lines " if len(w.lines) > 1 else "line ") + ", ".join(str(n) for n in w.lines)
        console.print(f" {w.severity} [{w.code}] {where}: {w.message}", highlight=False, markup=False)
        console.print(f"   [dim]({w.source})[/dim]", highlight=False)


def read_claims(path: Path) -> pa.Table:
    """A CSV or XLSX claim file as a table of strings; ``PricingError`` when a column is missing."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else [])]
        data = {h: ["" if r[i] is None else str(r[i]) for r in rows[1:]] for i, h in enumerate(header)}
        table = pa.table({h: pa.array(v, type=pa.string()) for h, v in data.items()})
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False
            ),
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise PricingError(f"{path}: missing column(s) {', '.join(missing)} (header names, any order)")
    try:
        optional_columns(table.column_names)
    except PricingError as exc:
        raise PricingError(f"{path}: {exc.detail}", field=exc.field) from None
    return table


def reprice_file(
    service: PricingService, src: Path, dst: Path, contract: Contract, cache_dir: Path | None = None
) -> dict[str, int]:
    """Reprice a claim file to CSV (``cache_dir`` keeps the pricing arrays); returns the line counts."""
    table = read_claims(src)
    dates = set()
    for value in table.column("date").unique().to_pylist():
        try:
            dates.add(parse_date(value))
        except PricingError:
            continue
    repricer = BulkRepricer(service, releases_for(service, sorted(dates)), cache_dir)
    if dst.exists() and not dst.is_file():  # a pipe or a device (-o /dev/stdout): written in order
        with tempfile.TemporaryDirectory() as tmp:
            stats = repricer.write_csv(table, contract, Path(tmp) / "repriced.csv")
            with (Path(tmp) / "repriced.csv").open("rb") as text, dst.open("wb") as handle:
                shutil.copyfileobj(text, handle)
    else:  # a new file beside it, renamed over it once complete: a failed run leaves the old one
        target = dst.resolve() if dst.is_symlink() else dst
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            stats = repricer.write_csv(table, contract, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return {
        "lines": stats.lines,
        "vectorized": stats.vectorized,
        "engine": stats.engine,
        "errors": stats.errors,
    }


@app.command()
def reprice(
    src: Path = typer.Argument(..., help="claim lines, CSV or XLSX"),
    out: Path = typer.Option(..., "-o", "--output", help="output CSV"),
    contract_file: Path | None = typer.Option(None, "--contract", help="contract TOML or JSON file"),
) -> None:
    """Reprice a claim file: every input column and line kept; adds release, allowed, wrvu, rules, error.

    Columns (header names, any order): encounter_id, date, hcpcs, modifiers, units, pos,
    locality_or_zip; optional: provider (physician | npp), participation (par | nonpar),
    anesthesia_minutes, anesthesia_base_units, reduced_percent (the -52 percentage). Lines of one
    encounter_id and date are one encounter of one provider.
    """
    if not src.exists():
        raise fail(f"no such file: {src}")
    if not out.parent.is_dir():
        raise fail(f"no such folder for the output: {out.parent}")
    try:
        contract = _contract(contract_file)
        counts = reprice_file(_service(contract), src, out, contract, load_settings().home / "cache")
    except PricingError as exc:
        raise fail(str(exc)) from None
    console.print(f"{counts['lines']} lines repriced to {out} ({counts['errors']} with an error)")
