"""Synthetic lines for benchmarks: priced by the real engine, totals in step, dashboard re-adds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from openrvu.tracker import dashboard, entries, synthetic, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.models import LogEntry, User


def test_seed_lines_are_priced_and_summed(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    start, end = date(2025, 10, 1), date(2025, 12, 31)
    assert synthetic.seed_lines(db, user, 300, catalog, start=start, end=end, seed=7) == 300
    lines = db.query(LogEntry).filter(LogEntry.user_id == user.id).all()
    assert len(lines) == 300 and all(start <= e.date_of_service <= end for e in lines)
    assert all(e.wrvu is not None and e.release == "RVU25D" for e in lines)
    assert totals.check_user(db, user.id)
    board = dashboard.dashboard(db, user, period="month", start=start, end=end)
    assert board.totals.lines == 300 and board.totals.wrvu == entries.total_wrvu(lines)


def test_add_lines_prices_each_day_as_one_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    day = date(2025, 11, 3)
    synthetic.add_lines(
        db, user, [LineSpec(day, "20610", (), 1, "11"), LineSpec(day, "20610", ("59",), 1, "11")], catalog
    )
    first, second = db.query(LogEntry).order_by(LogEntry.id).all()
    assert first.allowed is not None and second.allowed is not None and second.allowed < first.allowed
