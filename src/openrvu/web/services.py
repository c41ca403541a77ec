"""The library objects the routes use, built once per app.

SQLite connections cannot be shared across threads, and FastAPI runs plain ``def`` routes in a
thread pool, so each worker thread opens its own reference database handle (read-only, cheap).
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from openrvu.settings import Settings


class Services:
    """Settings plus lazily opened handles on the reference DB, the search index and the tracker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()

    def reference(self) -> Any:
        """This thread's ``ReferenceDB`` on ``settings.reference_db``."""
        db = getattr(self._local, "reference", None)
        if db is None:
            from openrvu.reference.db import ReferenceDB

            db = ReferenceDB(self.settings.reference_db)
            self._local.reference = db
        return db

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

    def migrate(self) -> None:
        """Bring the application database to the latest schema (idempotent)."""
        from openrvu.tracker.db import migrate

        migrate(self.settings.database_url)
