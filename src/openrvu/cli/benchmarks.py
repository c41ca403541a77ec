"""``openrvu benchmarks ...``: national benchmarks from the public CMS data (thin adapters over the library).

Every command that shows benchmark figures prints the source line (SYNTHETIC when built from synthetic
files), the year and release, and the method and caveats.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from openrvu.benchmarks.build import build
from openrvu.benchmarks.errors import BenchmarkInputError, BenchmarksNotBuilt
from openrvu.benchmarks.fetch import FetchError, fetch
from openrvu.benchmarks.rvus import release_work
from openrvu.benchmarks.schema import official_files
from openrvu.benchmarks.standing import LogAggregates, Standing, standing
from openrvu.benchmarks.store import BenchmarkStore, UnknownSpecialty
from openrvu.benchmarks.survey import read_survey_csv
from openrvu.benchmarks.synth import code_facts, generate
from openrvu.cli.app import app, console, err_console, fail
from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import ReferenceLookupError
from openrvu.settings import load_settings

bench_app = typer.Typer(
    name="benchmarks",
    help="National benchmarks from CMS's public Medicare data: where a clinician stands, who bills a code.",
    no_args_is_help=True,
)
app.add_typer(bench_app)


def _reference() -> ReferenceDB:
    path = load_settings().reference_db
    try:
        return ReferenceDB(path)
    except ReferenceLookupError:
        raise fail(f"no reference database at {path}: run 'openrvu ingest PATH' first") from None


def _store(year: int | None) -> BenchmarkStore:
    try:
        return BenchmarkStore.open(load_settings().benchmarks_dir, year)
    except BenchmarksNotBuilt as exc:
        raise fail(str(exc)) from None


def _say(message: str) -> None:
    err_console.print(f"[dim]{message}[/]", highlight=False)


def _header(store: BenchmarkStore) -> None:
    style = "bold reverse red" if store.synthetic else "bold"
    console.print(f"[{style}]{store.meta.label}[/]", highlight=False)


def _caveats(store: BenchmarkStore) -> None:
    console.print("[bold]Method and caveats[/]")
    for line in store.caveats:
        console.print(f"  - {line}", highlight=False, soft_wrap=True)


@bench_app.command("synth")
def synth_command(
    providers: int = typer.Option(20_000, "--providers", min=1, help="Number of providers (NPIs) to draw."),
    year: int = typer.Option(
        ..., "--year", help="Data year to name the file for (its PFS release must be loaded)."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Folder to write the CSV and its sidecar into."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same file."),
    release: str | None = typer.Option(
        None, "--release", help="PFS release whose codes to use (default: the year's)."
    ),
) -> None:
    """Write a SYNTHETIC by Provider and Service file in the exact CMS schema (for demos and tests)."""
    with _reference() as db:
        try:
            name, _work = release_work(db, year, release)
            facts = code_facts(db.iter_rvu(name))
        except ReferenceLookupError as exc:
            raise fail(f"{exc}; load the release with 'openrvu ingest' or pass --release") from None
    started = time.perf_counter()
    try:
        result = generate(
            out, providers=providers, year=year, facts=facts, release=name, seed=seed, progress=_say
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print("[bold reverse red]SYNTHETIC DATA - not CMS data[/]")
    console.print(
        f"wrote {result.path} ({result.rows:,} lines, {result.providers:,} providers, "
        f"{result.suppressed:,} lines under 11 beneficiaries suppressed) from release {name} "
        f"in {time.perf_counter() - started:.1f} s",
        highlight=False,
    )


@bench_app.command("fetch")
def fetch_command(
    year: int = typer.Option(..., "--year", help="Data year of the files."),
    url: str | None = typer.Option(
        None, "--url", help="Download this URL instead of the known official file."
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Folder (default: <OPENRVU_HOME>/benchmarks/downloads)."
    ),
    kind: str = typer.Option("prov_svc", "--kind", help="prov_svc (by Provider and Service), prov, or geo."),
    sha256: str | None = typer.Option(None, "--sha256", help="Expected sha256 of the file, when known."),
    size: int | None = typer.Option(None, "--size", help="Expected size in bytes, when known."),
) -> None:
    """Download the official CMS file(s) of a year: progress, resume of a broken download, verification."""
    target = out or load_settings().benchmarks_dir / "downloads"
    if url:
        urls = [url]
    else:
        known = official_files(year, kind)
        if not known:
            raise fail(
                f"no known official {kind} file for {year}: pass its link from data.cms.gov with --url"
            )
        urls = [f.url for f in known]
    for one in urls:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(one.rsplit("/", 1)[-1], total=None)

            def show(done: int, total: int | None, bar: Progress = bar, task: Any = task) -> None:
                bar.update(task, completed=done, total=total)

            try:
                got = fetch(one, target, year=year, kind=kind, sha256=sha256, size=size, progress=show)
            except FetchError as exc:
                raise fail(str(exc)) from None
        resumed = f", resumed at byte {got.resumed_from:,}" if got.resumed_from else ""
        console.print(
            f"saved {got.path} ({got.bytes:,} bytes, sha256 {got.sha256}{resumed})", highlight=False
        )


@bench_app.command("build")
def build_command(
    files: list[Path] = typer.Argument(..., help="By Provider and Service CSV file(s) of one data year."),
    year: int | None = typer.Option(None, "--year", help="Data year (default: from the file names)."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    release: str | None = typer.Option(
        None, "--release", help="PFS release for the work RVUs (default: the year's)."
    ),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="Spark master URL (spark://...) or Spark Connect URL (sc://...)."
    ),
    threads: int | None = typer.Option(None, "--threads", min=1, help="DuckDB threads (default: all cores)."),
    memory_limit: str = typer.Option("2GB", "--memory-limit", help="DuckDB memory limit."),
) -> None:
    """Build the benchmark tables of a year (CSV -> Parquet -> SQL); tables in use change only on success."""
    if engine not in ("duckdb", "spark"):
        raise fail(f"--engine must be duckdb or spark, not {engine!r}")
    from openrvu.benchmarks.inputs import check_provider_service_file

    try:
        data_year = year or check_provider_service_file(files[0], None).year
    except BenchmarkInputError as exc:
        raise fail(f"{exc}\nNothing was built; the benchmark tables are unchanged.") from None
    with _reference() as db:
        try:
            name, work = release_work(db, data_year, release)
        except ReferenceLookupError as exc:
            raise fail(
                f"{exc}; load that year's PFS release with 'openrvu ingest' or choose one with --release"
            ) from None
    started = time.perf_counter()
    try:
        result = build(
            files,
            work=work,
            release=name,
            benchmarks_dir=load_settings().benchmarks_dir,
            year=year,
            engine=engine,
            spark_master=spark_master,
            threads=threads,
            memory_limit=memory_limit,
            progress=_say,
        )
    except BenchmarkInputError as exc:
        raise fail(f"{exc}\nNothing was built; the benchmark tables are unchanged.") from None
    with BenchmarkStore.open(load_settings().benchmarks_dir, result.meta.data_year) as store:
        _header(store)
        console.print(
            f"built {len(store.specialties())} specialties from {result.meta.lines:,} lines and "
            f"{result.meta.providers:,} providers with {engine} in {time.perf_counter() - started:.1f} s "
            f"-> {result.path}",
            highlight=False,
        )
        _caveats(store)


@bench_app.command("specialty")
def specialty_command(
    name: str = typer.Argument(..., help="Medicare provider type, e.g. 'Internal Medicine'."),
    year: int | None = typer.Option(None, "--year", help="Data year (default: the latest built)."),
    quantiles: bool = typer.Option(False, "--quantiles", help="Also print every percentile."),
) -> None:
    """A specialty's distribution of annual Medicare wRVUs per provider and its E/M level mix."""
    with _store(year) as store:
        try:
            summary = store.summary(name)
            mix = store.em_mix(name)
            fine = store.quantiles(name) if quantiles else []
        except UnknownSpecialty as exc:
            raise fail(str(exc)) from None
        _header(store)
        table = Table(
            title=f"{summary['specialty']}: annual Medicare wRVUs per provider ({summary['providers']:,})"
        )
        for col in ("p10", "p25", "p50", "p75", "p90"):
            table.add_column(col, justify="right")
        table.add_row(*(f"{summary[c]:,.0f}" for c in ("p10", "p25", "p50", "p75", "p90")))
        console.print(table)
        if fine:
            console.print("  ".join(f"p{p}={v:,.0f}" for p, v in fine), soft_wrap=True)
        em = Table(title="E/M level mix")
        for col in ("family", "code", "services", "share"):
            em.add_column(col, justify="left" if col == "family" else "right")
        for row in mix:
            em.add_row(row["family_name"], row["hcpcs"], f"{row['services']:,.0f}", f"{row['share']:.1%}")
        console.print(em)
        _caveats(store)


@bench_app.command("code")
def code_command(
    hcpcs: str = typer.Argument(..., help="HCPCS code, e.g. 99214."),
    year: int | None = typer.Option(None, "--year", help="Data year (default: the latest built)."),
) -> None:
    """National volume of a code and the specialties that bill it."""
    with _store(year) as store:
        stats = store.code(hcpcs)
        if stats is None:
            raise fail(
                f"no Medicare line billed {hcpcs.upper()} in {store.meta.data_year} (or all were suppressed)"
            )
        _header(store)
        console.print(
            f"{stats['hcpcs']}: {stats['services']:,.0f} services, {stats['providers']:,} providers, "
            f"{stats['beneficiaries']:,} beneficiaries, work RVU {stats['work_rvu']:.2f}, "
            f"median provider {stats['median_provider_services']:,.0f} services",
            highlight=False,
        )
        table = Table(title="Specialties that bill it")
        for col in ("specialty", "share", "providers", "median volume"):
            table.add_column(col, justify="left" if col == "specialty" else "right")
        for row in store.code_specialties(hcpcs):
            table.add_row(
                row["specialty"],
                f"{row['share']:.1%}",
                f"{row['providers']:,}",
                f"{row['median_provider_services']:,.0f}",
            )
        console.print(table)
        _caveats(store)


@bench_app.command("export")
def export_command(
    table: str = typer.Argument(..., help="specialty_quantiles, specialty_summary, em_mix, code_stats, ..."),
    out: Path = typer.Option(..., "-o", "--out", help="CSV file to write."),
    year: int | None = typer.Option(None, "--year", help="Data year (default: the latest built)."),
) -> None:
    """Write one benchmark table as CSV; the first lines are comments: source (SYNTHETIC), caveats."""
    from openrvu.benchmarks.engine import STEPS

    names = [s.name for s in STEPS if s.output and s.name != "input_summary"]
    if table not in names:
        raise fail(f"no table {table!r}; choose one of {', '.join(names)}")
    with _store(year) as store:
        columns, rows = store.table_rows(table)
        with out.open("w", newline="", encoding="utf-8") as handle:
            handle.write(f"# {store.meta.label}\n")
            for line in store.caveats:
                handle.write(f"# {line}\n")
            writer = csv.writer(handle)
            writer.writerow([*columns, "synthetic"])
            flag = "SYNTHETIC" if store.synthetic else ""
            writer.writerows([*row, flag] for row in rows)
            count = len(rows)
        _header(store)
        console.print(f"wrote {count:,} rows to {out}", highlight=False)


def _pairs(values: list[str], option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for value in values:
        code, _, number = value.partition("=")
        try:
            out[code.strip().upper()] = float(number)
        except ValueError:
            raise fail(f"{option} {value!r}: expected CODE=COUNT, e.g. 99214=120") from None
    return out


@bench_app.command("me")
def me_command(
    specialty: str | None = typer.Option(
        None, "--specialty", help="Your Medicare provider type, e.g. 'Cardiology' (default: your profile's)."
    ),
    wrvu: float | None = typer.Option(None, "--wrvu", min=0, help="wRVUs over the period (without --user)."),
    days: int = typer.Option(365, "--days", min=1, max=366, help="Days the period covers (without --user)."),
    fte: float | None = typer.Option(
        None, "--fte", min=0.01, max=2.0, help="Clinical FTE (default: 1 or profile)."
    ),
    medicare_share: float | None = typer.Option(
        None, "--medicare-share", min=0.01, max=1.0, help="Share of your wRVUs from Medicare FFS patients."
    ),
    em: list[str] = typer.Option([], "--em", help="E/M count as CODE=COUNT (repeatable)."),
    code: list[str] = typer.Option([], "--code", help="A code's volume as CODE=COUNT (repeatable)."),
    user: str | None = typer.Option(None, "--user", help="Read everything from this account's log instead."),
    start: str | None = typer.Option(None, "--from", help="With --user: first day (default: 1 January)."),
    end: str | None = typer.Option(None, "--to", help="With --user: last day (default: today)."),
    year: int | None = typer.Option(
        None, "--year", help="Data year of the benchmarks (default: the latest)."
    ),
) -> None:
    """Where you stand: percentile in your specialty, E/M mix against it, code volumes against its median.

    Give the figures (--wrvu, --days, --em, --code), or --user to read them from your log.
    """
    try:
        if user:
            specialty, log = _log_of(user, specialty, fte, medicare_share, start, end)
        else:
            if wrvu is None or specialty is None:
                raise fail("give --specialty and --wrvu, or --user to read your log")
            log = LogAggregates(
                wrvu=wrvu,
                days_logged=days,
                fte=fte if fte is not None else 1.0,
                em_counts={k: int(v) for k, v in _pairs(em, "--em").items()},
                code_volumes=_pairs(code, "--code"),
                medicare_share=medicare_share,
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    with _store(year) as store:
        try:
            report = standing(store, specialty, log)
        except UnknownSpecialty as exc:
            raise fail(str(exc)) from None
        _header(store)
        _print_standing(report)
        _caveats(store)


def _log_of(
    email: str,
    specialty: str | None,
    fte: float | None,
    medicare_share: float | None,
    start: str | None,
    end: str | None,
) -> tuple[str, LogAggregates]:
    """The specialty and log aggregates of an account, from the tracker's per-day, per-code totals."""
    from datetime import date

    from sqlalchemy import select

    from openrvu.tracker.benchmark_log import log_aggregates
    from openrvu.tracker.db import make_engine, session_factory
    from openrvu.tracker.models import User

    today = date.today()
    first = date.fromisoformat(start) if start else date(today.year, 1, 1)
    last = date.fromisoformat(end) if end else today
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    engine = make_engine(load_settings().database_url)
    try:
        with session_factory(engine)() as session:
            account = session.scalars(select(User).where(User.email == email.strip().lower())).first()
            if account is None:
                raise ValueError(f"no account {email!r}")
            chosen = specialty or account.specialty
            if not chosen:
                raise ValueError("your profile has no specialty: set it, or pass --specialty")
            chosen_fte = fte if fte is not None else float(account.fte)
            log = log_aggregates(session, account.id, first, last, chosen_fte, medicare_share)
    finally:
        engine.dispose()
    return chosen, log


def _print_standing(report: Standing) -> None:
    w = report.wrvu
    console.print(
        f"{w.specialty}: {w.annual_wrvu:,.0f} wRVUs a year per FTE; compared {w.compared_wrvu:,.0f} -> "
        f"[bold]percentile {w.percentile}[/] of {w.providers:,} providers "
        f"(p25 {w.p25:,.0f}, median {w.p50:,.0f}, p75 {w.p75:,.0f}, p90 {w.p90:,.0f})",
        highlight=False,
    )
    console.print(f"  {w.note}", highlight=False)
    if report.em:
        table = Table(title="E/M level mix: you vs specialty")
        for col in ("family", "code", "yours", "your share", "specialty share"):
            table.add_column(col, justify="left" if col == "family" else "right")
        for row in report.em:
            mine = f"{row.your_share:.1%}" if row.your_share is not None else "-"
            table.add_row(row.family_name, row.hcpcs, str(row.yours), mine, f"{row.specialty_share:.1%}")
        console.print(table)
    if report.codes:
        table = Table(title="Code volumes a year per FTE: you vs the median provider who bills it")
        for col in ("code", "yours", "specialty median", "national median", "ratio"):
            table.add_column(col, justify="right")
        for c in report.codes:
            table.add_row(
                c.hcpcs,
                f"{c.your_annual:,.0f}",
                f"{c.specialty_median:,.0f}" if c.specialty_median is not None else "-",
                f"{c.national_median:,.0f}" if c.national_median is not None else "-",
                f"{c.ratio_to_specialty:.2f}x" if c.ratio_to_specialty is not None else "-",
            )
        console.print(table)
    console.print(f"[dim]{report.method}[/]", highlight=False)


@bench_app.command("survey-import")
def survey_import_command(
    path: Path = typer.Argument(..., help="CSV: source, year, specialty, metric, p10, p25, p50, p75, p90."),
    email: str = typer.Option(..., "--user", help="The account the survey rows belong to."),
) -> None:
    """Import survey percentiles you own (MGMA, AMGA, SullivanCotter) for your account; all rows or none."""
    try:
        rows = read_survey_csv(path)
    except BenchmarkInputError as exc:
        raise fail(f"{exc}\nNothing was imported.") from None
    from sqlalchemy import select

    from openrvu.tracker.db import make_engine, session_factory
    from openrvu.tracker.models import User
    from openrvu.tracker.surveys import save_benchmark

    engine = make_engine(load_settings().database_url)
    try:
        with session_factory(engine)() as session:
            user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
            if user is None:
                raise fail(f"no account {email!r}; nothing was imported")
            for row in rows:
                save_benchmark(
                    session,
                    user,
                    source=row.source,
                    year=row.year,
                    specialty=row.specialty,
                    metric=row.metric,
                    percentiles=row.percentiles,
                )
    finally:
        engine.dispose()
    console.print(
        f"imported {len(rows)} survey rows for {email} (kept private to that account)", highlight=False
    )
