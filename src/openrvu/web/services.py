"""The library objects the routes use, built once per app and shared by every request thread
(the reference database and the searcher are thread-safe)."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Any

from openrvu.settings import Settings


class Services:
    """Settings plus lazily opened handles on the reference DB, the search index and the tracker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._options: dict[str, str] = {}
        self._bench_lock = threading.Lock()
        self._bench: tuple[Path, Any] | None = None

    @cached_property
    def reference(self) -> Any:
        """The ``ReferenceDB`` on ``settings.reference_db`` (thread-safe, shared by all requests)."""
        from openrvu.reference.db import ReferenceDB

        return ReferenceDB(self.settings.reference_db)

    @cached_property
    def catalog(self) -> Any:
        """The tracker's ``Catalog``: validates and prices log lines (long-lived: it caches rows)."""
        from openrvu.tracker.catalog import Catalog

        return Catalog(self.reference)

    @cached_property
    def searcher(self) -> Any:
        """The ``Searcher`` over the index beside the reference database (built first if stale)."""
        from openrvu.search import Searcher, ensure_index

        return Searcher(ensure_index(self.settings.reference_db))

    @cached_property
    def engine(self) -> Any:
        """The application database engine (``settings.database_url``)."""
        from openrvu.tracker.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def session_maker(self) -> Any:
        """Sessions on the application database."""
        from openrvu.tracker.db import session_factory

        return session_factory(self.engine)

    def locality_options(self, release: str) -> str:
        """The ``<option>`` list of a release's payment localities, rendered once (releases never change)."""
        cached = self._options.get(release)
        if cached is None:
            from markupsafe import escape

            from openrvu.web.lookups import localities

            cached = "".join(
                f'<option value="{escape(value)}">{escape(label)}</option>'
                for value, label in localities(self, release)
            )
            self._options[release] = cached
        return cached

    def benchmarks(self) -> Any | None:
        """The ``BenchmarkStore`` of the newest built data year, or None when none is built.

        Opened once and shared (the store is thread-safe); opened again only when ``openrvu benchmarks
        build`` has pointed the year's link at a new build, so a rebuild shows without a restart.
        """
        from openrvu.benchmarks.store import BenchmarkStore, built_years

        folder = self.settings.benchmarks_dir
        years = built_years(folder)
        if not years:
            return None
        target = (folder / str(years[-1])).resolve()
        with self._bench_lock:
            if self._bench is None or self._bench[0] != target:
                self._bench = (target, BenchmarkStore.open(folder, years[-1]))
            return self._bench[1]

    def warm(self) -> None:
        """Open the reference database and the search index now (building the index if it is stale),
        so the first visitor does not wait for it."""
        _ = self.reference, self.catalog, self.searcher

    def migrate(self) -> None:
        """Bring the application database to the latest schema (idempotent)."""
        from openrvu.tracker.db import migrate

        migrate(self.settings.database_url)
