"""The reference data commands: ``openrvu ingest``, ``code``, ``releases`` and ``info``."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from openrvu.cli.app import app, console, fail
from openrvu.cms.errors import CmsFormatError
from openrvu.reference.build import LOADED, REPLACED, SKIPPED, UNCHANGED, IngestReport, ingest
from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import NoReleaseForDate, ReferenceNotBuilt, UnknownCode, UnknownRelease
from openrvu.reference.lookup import code_info
from openrvu.settings import load_settings

_PROGRESS_AFTER = 1.0  # seconds: quick loads print no bar


def _open_db() -> ReferenceDB:
    path = load_settings().reference_db
    try:
        return ReferenceDB(path)
    except ReferenceNotBuilt:
        raise fail(
            f"no reference database at {path}: run 'openrvu ingest PATH' first (PATH = the CMS files)"
        ) from None


@app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(..., help="CMS files, folders or CMS release zips (e.g. rvu26a.zip)."),
) -> None:
    """Load CMS files into the reference database (already loaded files are left as they are)."""
    load_into(load_settings().reference_db, paths)


def load_into(db_path: Path, paths: list[Path]) -> None:
    """One all-or-nothing load with its report, then the search index: shared by ``ingest`` and ``fetch``."""
    report = _run_ingest(db_path, paths)
    _print_report(report)
    if db_path.exists():
        _refresh_search_index(db_path)
    if report.changed and db_path.exists():
        _sync_tracker(db_path)


def _sync_tracker(db_path: Path) -> None:
    """Move logged lines to a newly loaded release in force on their date (when a log database exists)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from openrvu.tracker.catalog import Catalog
    from openrvu.tracker.db import current_revision, make_engine, session_factory
    from openrvu.tracker.release_sync import sync_releases

    url = load_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        return  # no procedure log yet: nothing to re-price
    try:
        if current_revision(url) is None:
            return
        engine = make_engine(url)
        try:
            with ReferenceDB(db_path) as reference, session_factory(engine)() as session:
                report = sync_releases(session, Catalog(reference))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        console.print(
            f"[yellow]The procedure log was not re-priced ({type(exc).__name__}): load again once the "
            f"application database ({parsed.render_as_string()}) is reachable.[/]",
            highlight=False,
        )
        return
    if report.lines:
        moves = ", ".join(
            f"{old or 'unpriced'} -> {new}: {n:,}" for (old, new), n in sorted(report.moves.items(), key=str)
        )
        console.print(
            f"Procedure log: {report.lines:,} lines on {report.days:,} day(s) re-priced with the release "
            f"now in force ({moves})",
            highlight=False,
        )


def _refresh_search_index(db_path: Path) -> None:
    """Keep the derived search index in step with the reference database, so search is ready at once."""
    from openrvu.search.index import ensure_index, index_path_for, is_current

    if not is_current(db_path, index_path_for(db_path)):
        with console.status("Building the search index..."):
            path = ensure_index(db_path)
        console.print(f"Search index ready: {path}", highlight=False)


def _run_ingest(db_path: Path, paths: list[Path]) -> IngestReport:
    started = time.perf_counter()
    bar: Progress | None = None
    task = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None and time.perf_counter() - started > _PROGRESS_AFTER and done < total:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            task = bar.add_task(stage, total=total)
        if bar is not None and task is not None:
            bar.update(task, completed=done, description=stage)

    try:
        return ingest(db_path, paths, progress=progress)
    except CmsFormatError as exc:
        raise fail(f"{exc}\nNothing was loaded; the reference database is unchanged.") from None
    finally:
        if bar is not None:
            bar.stop()


def _print_report(report: IngestReport) -> None:
    shown = [f for f in report.files if f.kind]
    for outcome in shown:
        style = {LOADED: "green", REPLACED: "yellow", UNCHANGED: "dim", SKIPPED: "yellow"}[outcome.status]
        rows = f" ({outcome.rows:,} rows)" if outcome.rows else ""
        console.print(
            f"[{style}]{outcome.status:9}[/] {Path(outcome.name).name}: {outcome.detail}{rows}",
            highlight=False,
        )
    other = len(report.files) - len(shown)
    if other:
        console.print(
            f"[dim]{other} other files are not CMS data files and were passed over[/]", highlight=False
        )
    if not shown:
        console.print("[yellow]no CMS files found[/]")
    elif report.changed:
        console.print(
            f"Reference database updated in {report.seconds:.1f} s: {report.db_path}", highlight=False
        )
    else:
        console.print(f"Nothing new: the reference database is unchanged ({report.db_path})", highlight=False)


@app.command("code")
def code_command(
    code: str = typer.Argument(..., help="HCPCS or CPT code, e.g. 99213, G0320 or 70557-26."),
    modifier: str = typer.Option("", "--modifier", "-m", help="Modifier row, e.g. 26 or TC."),
    on: str | None = typer.Option(
        None, "--date", "-d", help="Date of service (YYYY-MM-DD): picks the release."
    ),
    release: str | None = typer.Option(None, "--release", "-r", help="Release name, e.g. RVU26C."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Everything about one code: RVUs, indicators in words, category comparison and history."""
    if on and release:
        raise fail("give --date or --release, not both")
    day = _parse_date(on) if on else None
    if not modifier and ("-" in code or ":" in code):  # "70557-26" as people write it
        code, modifier = code.replace(":", "-").split("-", 1)
    with _open_db() as db:
        try:
            info = code_info(db, code, modifier, release=release, on_date=day)
        except UnknownCode as exc:
            raise fail(str(exc)) from None
        except (UnknownRelease, NoReleaseForDate) as exc:
            raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(info, indent=2))
    else:
        _print_code(info)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--date {text!r} is not a date (expected YYYY-MM-DD)") from None


def _print_code(info: dict[str, Any]) -> None:
    mod = f"-{info['modifier']}" if info["modifier"] else ""
    console.print(f"[bold]{info['hcpcs']}{mod}[/]  {info['description']}", highlight=False)
    if info["long_description"]:
        console.print(info["long_description"], style="dim", highlight=False)
    console.print(
        f"{info['category']} · release {info['release']} (effective {info['effective_date']})",
        highlight=False,
    )
    for warning in info["warnings"]:
        console.print(f"[yellow]! {warning}[/]", highlight=False)
    if info["status_code"] is None:
        return
    console.print(f"Status {info['status_code']}: {info['status_meaning']}", highlight=False)
    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("", "Work", "PE", "MP", "Total"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row(
        "Non-facility",
        info["work_rvu"],
        info["nonfacility_pe_rvu"],
        info["mp_rvu"],
        info["nonfacility_total"],
    )
    table.add_row(
        "Facility", info["work_rvu"], info["facility_pe_rvu"], info["mp_rvu"], info["facility_total"]
    )
    console.print(table)
    console.print(f"Conversion factor {info['conv_factor']}", highlight=False)
    if info["comparison"]:
        console.print(info["comparison"]["text"], highlight=False)
    for item in info["indicators"].values():
        console.print(
            f"  {item['label']}: [bold]{item['value'] or '-'}[/] {item['meaning']}", highlight=False
        )
    if info["modifier_rows"]:
        others = ", ".join(m or "(global)" for m in info["modifier_rows"])
        console.print(f"Other rows of this code: {others}", highlight=False)
    if len(info["history"]) > 1:
        steps = " → ".join(f"{h['release']} {h['work_rvu']}" for h in info["history"])
        console.print(f"Work RVU history: {steps}", highlight=False)


@app.command("releases")
def releases_command(as_json: bool = typer.Option(False, "--json", help="Print JSON for programs.")) -> None:
    """The PFS releases loaded in the reference database."""
    with _open_db() as db:
        releases = db.releases()
    if as_json:
        typer.echo(json.dumps([_release_json(r) for r in releases], indent=2))
        return
    if not releases:
        console.print("No release loaded: run 'openrvu ingest PATH'.")
        return
    table = Table("Release", "Effective", "Released", "CF", "Rows", "Files", header_style="bold")
    for r in releases:
        table.add_row(
            r.name,
            r.effective_date.isoformat(),
            r.released_on.isoformat() if r.released_on else "",
            str(r.conv_factor),
            f"{r.rvu_rows:,}",
            ", ".join(f.name for f in r.source_files),
        )
    console.print(table)


def _release_json(r: Any) -> dict[str, Any]:
    return {
        "name": r.name,
        "year": r.year,
        "effective_date": r.effective_date.isoformat(),
        "released_on": r.released_on.isoformat() if r.released_on else None,
        "title": r.title,
        "conv_factor": str(r.conv_factor),
        "conv_factor_qp": str(r.conv_factor_qp) if r.conv_factor_qp is not None else None,
        "rvu_rows": r.rvu_rows,
        "source_files": [
            {"name": f.name, "kind": f.kind, "sha256": f.sha256, "rows": f.rows} for f in r.source_files
        ],
    }


@app.command("info")
def info_command() -> None:
    """What is loaded and how to use openrvu."""
    settings = load_settings()
    console.print(f"[bold]openrvu[/] reference database: {settings.reference_db}", highlight=False)
    console.print(f"CMS files (OPENRVU_CMS_DIR): {settings.cms_dir}", highlight=False)
    try:
        db = ReferenceDB(settings.reference_db)
    except ReferenceNotBuilt:
        console.print("Nothing loaded yet. Load the CMS files with:  openrvu ingest PATH", highlight=False)
        return
    with db:
        releases = db.releases()
        for r in releases:
            console.print(
                f"  {r.name}: effective {r.effective_date:%Y-%m-%d}, CF {r.conv_factor}, {r.rvu_rows:,} rows",
                highlight=False,
            )
        l2, z5 = db.hcpcs_level2_vintage(), db.zip5_vintage()
        if l2:
            console.print(f"  HCPCS Level II: {l2}", highlight=False)
        if z5:
            console.print(f"  ZIP5 localities: {z5}", highlight=False)
    console.print(
        "\nTry:\n  openrvu code 99213              everything about a code\n"
        "  openrvu code 70557 -m 26 --json  one modifier row, as JSON\n"
        "  openrvu code 27447 --date 2025-11-03   the release in force on a date of service\n"
        "  openrvu releases                 what is loaded\n"
        "  openrvu ingest PATH              load more CMS files (file, folder or CMS zip)",
        highlight=False,
    )
    console.print(
        "CPT codes and descriptions are copyright the American Medical Association; they come from your own"
        " copy of the CMS files.",
        style="dim",
        highlight=False,
    )
