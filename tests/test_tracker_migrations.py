"""The Alembic migrations build the schema from empty on both backends and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from fixtures_tracker import create_pg_database, drop_pg_database
from openrvu.tracker.db import current_revision, make_engine, migrate, schema_differences
from openrvu.tracker.models import Base


@pytest.fixture()
def empty_url(tracker_backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    if tracker_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'nested' / 'empty.sqlite'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def test_upgrade_from_empty_to_head_creates_every_table(empty_url: str) -> None:
    assert current_revision(empty_url) is None
    migrate(empty_url)
    assert current_revision(empty_url) == "0001"
    engine = make_engine(empty_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_models_match_the_migrations(empty_url: str) -> None:
    migrate(empty_url)
    assert schema_differences(empty_url) == []


def test_migrate_twice_is_a_no_op(empty_url: str) -> None:
    migrate(empty_url)
    migrate(empty_url)
    assert current_revision(empty_url) == "0001"


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
