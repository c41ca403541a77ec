"""Keep logged lines priced with the release in force on their date when releases are loaded later.

A line is priced when it is logged, with the release in force on its date of service (or, when that
quarter's release is not loaded yet, the nearest release of the year). When CMS's next quarterly release
is loaded afterwards, lines dated on or after its effective date must move to it, or the log keeps
figures from a superseded release. ``sync_releases`` finds exactly those days (stored release differs
from the release in force now) and re-prices every encounter of those dates (``reprice_days`` groups
them by encounter; an encounter lies on one date, so none is left half-moved); every line whose figures
change gets an audit row (actor: none, the system), so the change is traceable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from openrvu.pricing.errors import PricingError
from openrvu.tracker import audit
from openrvu.tracker.catalog import Catalog
from openrvu.tracker.entries import reprice_days
from openrvu.tracker.models import LogEntry, User


@dataclass
class SyncReport:
    """What ``sync_releases`` changed."""

    days: int = 0  # (user, date) pairs re-priced
    lines: int = 0  # lines whose release, wRVU or allowed amount changed
    users: int = 0
    moves: dict[tuple[str | None, str | None], int] = field(default_factory=dict)  # (old, new) -> lines


def _in_force(catalog: Catalog, day: date, memo: dict[date, str | None]) -> str | None:
    if day not in memo:
        try:
            memo[day] = catalog.pricing.release_name(day)
        except PricingError:
            memo[day] = None
    return memo[day]


def stale_days(session: Session, catalog: Catalog) -> dict[int, set[date]]:
    """Per user, the dates whose lines were priced with another release than the one in force now."""
    memo: dict[date, str | None] = {}
    stale: dict[int, set[date]] = {}
    rows = session.execute(
        select(LogEntry.user_id, LogEntry.date_of_service, LogEntry.release).distinct()
    ).all()
    for user_id, day, release in rows:
        now = _in_force(catalog, day, memo)
        # a line no release could price stays as it is until one can (now is None)
        if now is not None and now != release:
            stale.setdefault(user_id, set()).add(day)
    return stale


def _figures(entry: LogEntry) -> tuple[str | None, int | None, int | None]:
    return entry.release, entry.wrvu_e4, entry.allowed_cents


def sync_releases(session: Session, catalog: Catalog) -> SyncReport:
    """Re-price every day whose release in force changed; one transaction, committed at the end."""
    report = SyncReport()
    for user_id, days in sorted(stale_days(session, catalog).items()):
        user = session.get(User, user_id)
        if user is None:  # pragma: no cover - lines always belong to a user (foreign key)
            continue
        entries = list(
            session.scalars(
                select(LogEntry).where(LogEntry.user_id == user_id, LogEntry.date_of_service.in_(days))
            )
        )
        before = {e.id: _figures(e) for e in entries}
        reprice_days(session, user, catalog, days)
        for entry in entries:
            old, new = before[entry.id], _figures(entry)
            if old == new:
                continue
            report.lines += 1
            move = (old[0], new[0])
            report.moves[move] = report.moves.get(move, 0) + 1
            audit.record(
                session,
                actor_id=None,
                action="reprice-release",
                entity="log_entry",
                entity_id=entry.id,
                before=dict(zip(("release", "wrvu_e4", "allowed_cents"), old, strict=True)),
                after=dict(zip(("release", "wrvu_e4", "allowed_cents"), new, strict=True)),
            )
        report.days += len(days)
        report.users += 1
    session.commit()
    return report
