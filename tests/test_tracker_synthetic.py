"""Synthetic lines for benchmarks: priced by the real engine, totals in step, dashboard re-adds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
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


def test_seed_lines_are_visits_of_one_to_three_codes_each_its_own_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    synthetic.seed_lines(db, user, 400, catalog, start=date(2025, 10, 1), end=date(2025, 12, 31), seed=3)
    lines = db.query(LogEntry).filter(LogEntry.user_id == user.id).order_by(LogEntry.id).all()
    assert len(lines) == 400 and all(e.encounter and e.source == "synthetic" for e in lines)
    visits = entries.encounter_groups(lines)
    assert {len(v) for v in visits} == {1, 2, 3}  # single lines and grouped visits both occur
    for visit in visits:
        assert len({e.date_of_service for e in visit}) == 1 and len({e.hcpcs for e in visit}) == len(visit)
    # a token is never shared across dates or reused: one visit, one encounter
    assert len({e.encounter for e in lines}) == len(visits)
    stored = [(e.release, e.wrvu_e4, e.allowed_cents) for e in lines]
    assert entries.reprice_all(db, user, catalog) == 400
    assert [(e.release, e.wrvu_e4, e.allowed_cents) for e in lines] == stored  # priced as the log would


def test_add_lines_makes_each_line_its_own_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    day = date(2025, 11, 3)
    synthetic.add_lines(
        db, user, [LineSpec(day, "20610", (), 1, "11"), LineSpec(day, "20610", ("59",), 1, "11")], catalog
    )
    first, second = db.query(LogEntry).order_by(LogEntry.id).all()
    assert first.encounter and second.encounter and first.encounter != second.encounter
    # two patients: no multiple-procedure reduction between them
    assert first.allowed is not None and second.allowed == first.allowed


def test_add_visits_prices_the_lines_of_one_visit_together(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    day = date(2025, 11, 3)
    visit = [LineSpec(day, "20610", (), 1, "11"), LineSpec(day, "20610", ("59",), 1, "11")]
    assert synthetic.add_visits(db, user, [visit, [LineSpec(day, "99213", (), 1, "11")]], catalog) == 3
    first, second, alone = db.query(LogEntry).order_by(LogEntry.id).all()
    assert first.encounter == second.encounter and alone.encounter not in (None, first.encounter)
    assert first.allowed is not None and second.allowed is not None and second.allowed < first.allowed


@pytest.mark.parametrize(
    "visit",
    [
        [],
        [
            LineSpec(date(2025, 11, 3), "99213", (), 1, "11"),
            LineSpec(date(2025, 11, 4), "99213", (), 1, "11"),
        ],
    ],
)
def test_add_visits_refuses_an_empty_visit_or_one_over_two_dates(
    db: Session, make_user: Callable[..., User], catalog: Catalog, visit: list[LineSpec]
) -> None:
    user = make_user(zip_code="94110")
    with pytest.raises(ValueError, match="one date of service"):
        synthetic.add_visits(db, user, [visit], catalog)
    assert db.query(LogEntry).count() == 0
