"""Fixtures of the tracker (application database): every test runs on SQLite and on PostgreSQL.

Each backend is migrated once per test session (and xdist worker) into its own database: SQLite
tests get a copy of the migrated file, PostgreSQL tests share the worker's database, emptied after
each test; so tests and workers never see each other's rows.
PostgreSQL comes from ``OPENRVU_TEST_DATABASE_URL`` (``make test`` starts it with
``bash scripts/pg.sh start 54329``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from openrvu.tracker import accounts, security
from openrvu.tracker.db import make_engine, migrate, session_factory
from openrvu.tracker.models import Base, User

DEFAULT_PG_URL = "postgresql+psycopg://openrvu@127.0.0.1:54329/openrvu_test"
PASSWORD = "correct horse battery"

# Tests that need priced log lines date them here, not today: a Monday of the latest year the CMS folder
# has a release for (RVU26C), so the lines are priced whatever day the suite runs. A line dated in a
# year no loaded release covers (today, from 2027 on) is stored unpriced with a note until that year's
# release is loaded (``Catalog.awaited_stand_in``).
PRICED_DAY = date(2026, 11, 2)


def release_in_force(reference: Any, day: date) -> str | None:
    """The name of the release that prices a line dated ``day``, or None when no loaded release covers
    its year. Tests of pages that default to today (dashboards, year-to-date figures) expect priced
    figures in the first case and unpriced lines in the second."""
    from openrvu.reference.errors import NoReleaseForDate

    try:
        return str(reference.release_for_date(day)[0].name)
    except NoReleaseForDate:
        return None


@pytest.fixture(scope="session")
def reference_2025_path(tmp_path_factory: pytest.TempPathFactory, cms_dir: Path) -> Path:
    """A reference database holding only the CY2025 release: today (from 2026 on) is in a year no
    loaded release covers, so lines logged today wait unpriced for the year's release, whatever the
    date the suite runs."""
    from openrvu.reference.build import ingest

    path = tmp_path_factory.mktemp("reference-2025") / "reference.sqlite"
    ingest(path, [cms_dir / "pfs_rvu_2025"])
    return path


def pg_admin_url() -> str:
    """The PostgreSQL server the tracker tests create their databases on."""
    return os.environ.get("OPENRVU_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _pg_admin() -> Engine:
    engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except Exception as exc:  # a clear message instead of a psycopg traceback
        raise RuntimeError(
            f"PostgreSQL is not reachable at {pg_admin_url()}: run `bash scripts/pg.sh start 54329` "
            "(make test does) or set OPENRVU_TEST_DATABASE_URL"
        ) from exc
    return engine


def create_pg_database(template: str | None = None) -> str:
    """Create an empty (or templated) database on the test server; returns its URL."""
    name = f"orvu_t_{uuid.uuid4().hex[:16]}"
    engine = _pg_admin()
    with engine.connect() as conn:
        clause = f" TEMPLATE {template}" if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by ``create_pg_database``."""
    name = make_url(url).database
    engine = _pg_admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tracker_backend(request: pytest.FixtureRequest) -> str:
    """The backend under test: every tracker test runs once per backend."""
    return str(request.param)


@pytest.fixture(scope="session")
def tracker_template(tracker_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per session: an SQLite file path or a PostgreSQL database name."""
    if tracker_backend == "sqlite":
        path = tmp_path_factory.mktemp("tracker-template") / "template.sqlite"
        migrate(f"sqlite:///{path}")
        # fold the WAL into the main file so a plain copy is complete
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield str(path)
        return
    url = create_pg_database()
    migrate(url)
    yield str(make_url(url).database)
    drop_pg_database(url)


@pytest.fixture()
def tracker_url(tracker_backend: str, tracker_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated application database for one test.

    SQLite: a copy of the template file. PostgreSQL: the session's database (one per xdist worker),
    emptied after the test (TRUNCATE is much faster than CREATE DATABASE per test).
    """
    if tracker_backend == "sqlite":
        path = tmp_path / "app.sqlite"
        shutil.copyfile(tracker_template, path)
        yield f"sqlite:///{path}"
        return
    url = make_url(pg_admin_url()).set(database=tracker_template).render_as_string(hide_password=False)
    yield url
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def light_argon2() -> Iterator[None]:
    """Cheaper argon2id parameters (still argon2id): the defaults cost about a second here under load."""
    previous = security.set_password_hasher(PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    yield
    security.set_password_hasher(previous)


@pytest.fixture()
def tracker_engine(tracker_url: str, light_argon2: None) -> Iterator[Engine]:
    engine = make_engine(tracker_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def db(tracker_engine: Engine) -> Iterator[Session]:
    """A session on a fresh application database."""
    with session_factory(tracker_engine)() as session:
        yield session


@pytest.fixture()
def make_user(db: Session) -> Callable[..., User]:
    """Create accounts: the first is the admin; later ones are admitted by opening sign-up."""

    def _make(email: str | None = None, role: str | None = None, **profile: object) -> User:
        address = email or f"u{uuid.uuid4().hex[:8]}@example.org"
        if db.query(User).count() > 0 and accounts.get_signup_mode(db) != "open":
            admin = db.query(User).filter(User.role == "admin").order_by(User.id).first()
            assert admin is not None
            accounts.set_signup_mode(db, admin, "open")
        user = accounts.sign_up(db, address, PASSWORD)
        if role and role != user.role:
            user.role = role
        for key, value in profile.items():
            setattr(user, key, value)
        db.commit()
        return user

    return _make


@pytest.fixture(scope="session")
def catalog(reference):  # type: ignore[no-untyped-def]
    """The tracker's catalog over the reference database built from the real CMS files."""
    from openrvu.tracker.catalog import Catalog

    return Catalog(reference)
