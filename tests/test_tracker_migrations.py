"""The Alembic migrations build the schema from empty on both backends and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from fixtures_tracker import create_pg_database, drop_pg_database
from openrvu.tracker import entries, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.db import current_revision, make_engine, migrate, schema_differences, session_factory
from openrvu.tracker.models import Base, DayCodeTotal, LogEntry, User

HEAD = "0005"


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
    assert current_revision(empty_url) == HEAD
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
    assert current_revision(empty_url) == HEAD


def test_0002_backfills_dashboard_totals_from_existing_lines(empty_url: str) -> None:
    migrate(empty_url, "0001")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, role, is_active, created_at, default_pos,"
                " provider_kind, fte, contract) VALUES (1, 'a@example.org', 'x', 'admin', true,"
                " '2025-01-01 00:00:00', '11', 'physician', '1.0', '{}')"
            )
        )
        for i, (day, code, wrvu, cents) in enumerate(
            [
                ("2025-11-03", "99213", 13000, 9000),
                ("2025-11-03", "99213", 13000, None),
                ("2025-11-04", "20610", 7900, 6340),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO log_entries (id, user_id, date_of_service, hcpcs, modifiers, units, pos,"
                    " source, created_at, updated_at, wrvu_e4, allowed_cents) VALUES (:id, 1, :day, :code,"
                    " '', 1, '11', 'web', '2025-01-01 00:00:00', '2025-01-01 00:00:00', :wrvu, :cents)"
                ),
                {"id": i + 1, "day": day, "code": code, "wrvu": wrvu, "cents": cents},
            )
    engine.dispose()
    migrate(empty_url)
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        assert totals.check_user(session, 1)
        rows = session.query(DayCodeTotal).order_by(DayCodeTotal.date_of_service).all()
        assert [(r.hcpcs, r.lines, r.wrvu_e4, r.allowed_cents, r.priced_lines) for r in rows] == [
            ("99213", 2, 26000, 9000, 1),
            ("20610", 1, 7900, 6340, 1),
        ]
    engine.dispose()


def _insert_user(conn: Connection) -> None:
    """User 1 as the schema has it from 0002 on (with ``log_version``), written in SQL."""
    conn.execute(
        text(
            "INSERT INTO users (id, email, password_hash, role, is_active, created_at, default_pos,"
            " provider_kind, fte, contract, log_version) VALUES (1, 'a@example.org', 'x', 'admin', true,"
            " '2025-01-01 00:00:00', '11', 'physician', '1.0', '{}', 0)"
        )
    )


def test_0004_keeps_lines_logged_before_encounters_as_one_group_per_date(
    empty_url: str, catalog: Catalog
) -> None:
    migrate(empty_url, "0003")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        _insert_user(conn)
        for i, mods in enumerate(["", "59"]):
            conn.execute(
                text(
                    "INSERT INTO log_entries (id, user_id, date_of_service, hcpcs, modifiers, units, pos,"
                    " source, created_at, updated_at) VALUES (:id, 1, '2025-11-03', '20610', :mods, 1, '11',"
                    " 'web', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                ),
                {"id": i + 1, "mods": mods},
            )
    engine.dispose()
    migrate(empty_url)
    assert current_revision(empty_url) == HEAD
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        old = session.query(LogEntry).order_by(LogEntry.id).all()
        assert [e.encounter for e in old] == [None, None]  # nothing invented for the past
        user = session.get(User, 1)
        assert user is not None
        assert entries.reprice_all(session, user, catalog) == 2
        day = old[0].date_of_service
        whole_day = catalog.price_day(
            [LineSpec(day, "20610", (m,) if m else (), 1, "11") for m in ("", "59")], user
        )
        assert [e.wrvu_e4 for e in old] == [int(p.wrvu * 10_000) for p in whole_day if p.wrvu is not None]
        assert old[1].wrvu_e4 is not None and old[0].wrvu_e4 is not None and old[1].wrvu_e4 < old[0].wrvu_e4
        assert totals.check_user(session, 1)
    engine.dispose()


def test_0005_consumed_keys_upgrade_and_downgrade(empty_url: str) -> None:
    """Up from 0004 with lines already logged (nothing to backfill: the table starts empty), down drops
    only the new table, and up again matches the models."""
    from alembic import command

    from openrvu.tracker.db import _alembic_config

    migrate(empty_url, "0004")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        _insert_user(conn)
        conn.execute(
            text(
                "INSERT INTO log_entries (id, user_id, date_of_service, hcpcs, modifiers, units, pos,"
                " idempotency_key, source, created_at, updated_at) VALUES (1, 1, '2025-11-03', '99213', '',"
                " 1, '11', 'k1', 'api', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            )
        )
    engine.dispose()
    migrate(empty_url)
    assert current_revision(empty_url) == "0005"
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM consumed_keys")).scalar() == 0
        conn.execute(
            text(
                "INSERT INTO consumed_keys (user_id, idempotency_key, entry_id, deleted_at)"
                " VALUES (1, 'k0', 7, '2025-01-02 00:00:00')"
            )
        )
    engine.dispose()
    command.downgrade(_alembic_config(empty_url), "0004")
    assert current_revision(empty_url) == "0004"
    engine = make_engine(empty_url)
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT idempotency_key FROM log_entries")).scalars().all() == ["k1"]
    engine.dispose()
    assert "consumed_keys" not in tables and "log_entries" in tables
    migrate(empty_url)
    assert current_revision(empty_url) == HEAD
    assert schema_differences(empty_url) == []


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
