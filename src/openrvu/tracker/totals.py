"""Keeps ``day_code_totals`` in step with the log lines: every write re-aggregates the days it touched.

Each refresh also bumps ``users.log_version``, the key of the dashboard cache. One INSERT ... SELECT
per refresh, so the totals are computed by the database from the lines
themselves and can never drift from them (``check_user`` proves it in the tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from openrvu.tracker.models import DayCodeTotal, LogEntry, User


def _aggregate(user_id: int, days: list[date] | None) -> Any:
    stmt = select(
        LogEntry.user_id,
        LogEntry.date_of_service,
        LogEntry.hcpcs,
        func.count(LogEntry.id),
        func.sum(LogEntry.units),
        func.coalesce(func.sum(LogEntry.wrvu_e4), 0),
        func.coalesce(func.sum(LogEntry.allowed_cents), 0),
        func.count(LogEntry.allowed_cents),
    ).where(LogEntry.user_id == user_id)
    if days is not None:
        stmt = stmt.where(LogEntry.date_of_service.in_(days))
    return stmt.group_by(LogEntry.user_id, LogEntry.date_of_service, LogEntry.hcpcs)


_COLUMNS = [
    "user_id",
    "date_of_service",
    "hcpcs",
    "lines",
    "units",
    "wrvu_e4",
    "allowed_cents",
    "priced_lines",
]


def _bump(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(log_version=User.log_version + 1))


def refresh_days(session: Session, user_id: int, days: Iterable[date]) -> None:
    """Recompute the totals of some of a user's days (inside the caller's transaction)."""
    wanted = sorted(set(days))
    if not wanted:
        return
    session.flush()
    _bump(session, user_id)
    for i in range(0, len(wanted), 500):
        part = wanted[i : i + 500]
        session.execute(
            delete(DayCodeTotal).where(
                DayCodeTotal.user_id == user_id, DayCodeTotal.date_of_service.in_(part)
            )
        )
        session.execute(insert(DayCodeTotal).from_select(_COLUMNS, _aggregate(user_id, part)))


def refresh_user(session: Session, user_id: int) -> None:
    """Recompute every total of a user (after a bulk re-price or a bulk insert)."""
    session.flush()
    _bump(session, user_id)
    session.execute(delete(DayCodeTotal).where(DayCodeTotal.user_id == user_id))
    session.execute(insert(DayCodeTotal).from_select(_COLUMNS, _aggregate(user_id, None)))


def check_user(session: Session, user_id: int) -> bool:
    """True when the stored totals equal a fresh aggregate of the lines (used by tests and repairs)."""
    stored = set(
        session.execute(
            select(*(getattr(DayCodeTotal, c) for c in _COLUMNS)).where(DayCodeTotal.user_id == user_id)
        ).tuples()
    )
    # PostgreSQL returns SUM(bigint) as numeric: compare as integers
    fresh = {
        tuple(int(v) if isinstance(v, Decimal) else v for v in row)
        for row in session.execute(_aggregate(user_id, None))
    }
    return stored == fresh
