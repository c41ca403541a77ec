"""``openrvu fetch``: download the official CMS reference files, check them, and load them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from openrvu.cli.app import app, console, fail

# The same load, report and index refresh as 'openrvu ingest'.
from openrvu.cli.reference import load_into
from openrvu.cms.catalog import GROUPS, Catalog, Source, UnknownSource, load_catalog
from openrvu.cms.discover import KIND_LABELS
from openrvu.cms.fetch import FetchedBundle, FetchError, fetch_source, fetch_url
from openrvu.download import DownloadError
from openrvu.settings import Settings, load_settings


@app.command("fetch")
def fetch_command(
    releases: list[str] | None = typer.Argument(
        None, help="Catalog keys to download: PFS releases (RVU25D, RVU26A), ZIP5-2025, HCPCS-2025-10."
    ),
    latest: bool = typer.Option(
        False, "--latest", help="The newest PFS release, ZIP locality file and HCPCS update in effect today."
    ),
    urls: list[str] | None = typer.Option(None, "--url", help="Download this URL too (a CMS file or zip)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Download the catalog's files from this server instead of cms.gov."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Download folder (default: OPENRVU_HOME/downloads)."
    ),
    do_ingest: bool = typer.Option(True, "--ingest/--no-ingest", help="Load the files after downloading."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Seconds to wait for the server."),
    show: bool = typer.Option(False, "--list", help="List the catalog of official files and exit."),
) -> None:
    """Download official CMS releases (resuming cut transfers), verify them, then load them."""
    catalog = load_catalog()
    if show:
        _print_catalog(catalog)
        return
    sources = _chosen(catalog, releases or [], latest)
    if not sources and not urls:
        raise fail("give a release (e.g. RVU25D), --latest or --url URL; see 'openrvu fetch --list'")
    settings = load_settings()
    dest = output or settings.home / "downloads"
    bundles = _download_all(sources, urls or [], dest, base_url or catalog.base_url, timeout)
    for bundle in bundles:
        found = ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in sorted(bundle.kinds.items()))
        how = (
            "already downloaded"
            if bundle.reused
            else f"{bundle.bytes:,} bytes"
            + (f", resumed at {bundle.resumed_from:,}" if bundle.resumed_from else "")
        )
        console.print(f"[green]ok[/] {bundle.key}: {bundle.path} ({how}); holds {found}", highlight=False)
    if do_ingest:
        _ingest(settings, [b.path for b in bundles])


def _chosen(catalog: Catalog, keys: list[str], latest: bool) -> list[Source]:
    try:
        sources = [catalog.get(key) for key in keys]
        if latest:
            sources += [catalog.latest(group) for group in GROUPS]
    except UnknownSource as exc:
        raise fail(str(exc)) from None
    return list(dict.fromkeys(sources))  # once each, in the order asked


def _download_all(
    sources: list[Source], urls: list[str], dest: Path, base_url: str, timeout: float
) -> list[FetchedBundle]:
    """Every bundle, or none: a failure stops before anything is loaded (downloads stay for a resume)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    bundles: list[FetchedBundle] = []
    with Progress(*columns, console=console, transient=True) as bar:
        for label, target in [(s.key, s) for s in sources] + [(u.rsplit("/", 1)[-1], u) for u in urls]:
            task = bar.add_task(label, total=None)

            def progress(done: int, total: int | None, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            try:
                if isinstance(target, Source):
                    bundle = fetch_source(target, dest, base_url=base_url, progress=progress, timeout=timeout)
                else:
                    bundle = fetch_url(target, dest, progress=progress, timeout=timeout)
            except DownloadError as exc:
                # 4xx: a wrong release or URL (bad input); no answer or 5xx: the server's trouble
                bad_input = exc.status is not None and 400 <= exc.status < 500
                raise fail(f"{exc}\nNothing was loaded.", 2 if bad_input else 1) from None
            except FetchError as exc:
                raise fail(f"{label}: {exc}\nNothing was loaded.") from None
            bar.remove_task(task)
            bundles.append(bundle)
    return bundles


def _ingest(settings: Settings, paths: list[Path]) -> None:
    """One all-or-nothing load of every bundle, then the search index: exactly as ``openrvu ingest``."""
    load_into(settings.reference_db, paths)


def _print_catalog(catalog: Catalog) -> None:
    """One source a line, then the full URLs tried (printed whole, never cut, so they can be copied)."""
    for source in catalog.sources:
        console.print(
            f"[bold]{source.key:14}[/] {source.effective.isoformat()}  {source.title}", highlight=False
        )
        for url in source.urls(catalog.base_url):
            console.print(f"    {url}", highlight=False, soft_wrap=True)
