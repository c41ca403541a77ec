"""Dashboard figures summed in SQL, checked against the lines they trace to, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from openrvu.tracker import dashboard, entries, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import InvalidInput
from openrvu.tracker.models import LogEntry, User

LINES = [
    (date(2025, 1, 6), "99213", 1),
    (date(2025, 1, 6), "99214", 1),
    (date(2025, 1, 9), "99213", 2),
    (date(2025, 2, 14), "99215", 1),
    (date(2025, 4, 2), "99203", 1),
    (date(2025, 4, 2), "20610", 1),
    (date(2025, 7, 1), "99223", 1),
    (date(2025, 7, 1), "G0320", 1),  # status X: not paid under the PFS, no credit by default
    (date(2025, 7, 1), "70557", 1),  # global row status C: contractor-priced, no CMS amount
]


@pytest.fixture()
def logged(db: Session, make_user: Callable[..., User], catalog: Catalog) -> User:
    user = make_user(zip_code="94110", annual_wrvu_goal=Decimal("5000"), fte=Decimal("0.8"))
    user.dollars_per_wrvu = Decimal("50")
    db.commit()
    for day, code, units in LINES:
        entries.create_entry(db, user, LineSpec(day, code, (), units, "11"), catalog)
    return user


def lines_of(db: Session, ids: list[int]) -> list[LogEntry]:
    return list(db.query(LogEntry).filter(LogEntry.id.in_(ids)))


def test_totals_and_series_add_up_to_their_lines(db: Session, logged: User) -> None:
    board = dashboard.dashboard(db, logged, period="month", today=date(2025, 7, 31))
    assert (board.start, board.end) == (date(2025, 1, 1), date(2025, 7, 31))
    assert [b.label for b in board.series] == [f"2025-{m:02d}" for m in range(1, 8)]
    all_lines = lines_of(db, dashboard.trace_ids(db, logged, board.trace))
    assert len(all_lines) == len(LINES) == board.totals.lines
    assert board.totals.wrvu == entries.total_wrvu(all_lines)
    assert board.totals.allowed == sum(e.allowed or Decimal(0) for e in all_lines)
    assert board.totals.units == sum(units for _, _, units in LINES)
    assert board.totals.unpriced == sum(1 for e in all_lines if e.allowed is None) == 1
    assert sum((b.figures.wrvu for b in board.series), Decimal(0)) == board.totals.wrvu
    for bucket in board.series:
        traced = lines_of(db, dashboard.trace_ids(db, logged, bucket.trace))
        assert len(traced) == bucket.figures.lines
        assert entries.total_wrvu(traced) == bucket.figures.wrvu
    assert board.series[2].figures.lines == 0  # March: an empty month is still a bucket
    assert totals.check_user(db, logged.id)


@pytest.mark.parametrize(
    ("period", "labels"),
    [
        ("week", ["2025-W02", "2025-W03"]),
        ("quarter", ["2025 Q1"]),
        ("day", ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-01-10", "2025-01-11"]),
        ("year", ["2025"]),
    ],
)
def test_periods_bucket_by_calendar(db: Session, logged: User, period: str, labels: list[str]) -> None:
    start, end = date(2025, 1, 6), date(2025, 1, 11 if period != "week" else 13)
    board = dashboard.dashboard(db, logged, period=period, start=start, end=end)
    assert [b.label for b in board.series] == labels
    assert board.series[0].start == start  # buckets are clipped to the range
    assert sum(b.figures.lines for b in board.series) == 3


def test_top_codes_em_mix_and_their_traces(db: Session, logged: User) -> None:
    board = dashboard.dashboard(db, logged, period="year", start=date(2025, 1, 1), end=date(2025, 12, 31))
    wrvus = [c.figures.wrvu for c in board.top_codes]
    assert wrvus == sorted(wrvus, reverse=True)
    for code in board.top_codes:
        traced = lines_of(db, dashboard.trace_ids(db, logged, code.trace))
        assert {e.hcpcs for e in traced} == {code.hcpcs}
        assert entries.total_wrvu(traced) == code.figures.wrvu
    office = {f.key: f for f in board.em_mix}["office_established"]
    assert office.total == 5  # 99213 x (1 + 2 units), 99214, 99215
    counts = {lv.hcpcs: (lv.level, lv.count) for lv in office.levels}
    assert counts["99213"] == (3, 3) and counts["99211"] == (1, 0)
    assert sum(lv.share for lv in office.levels) == Decimal("100.0")
    assert {f.key for f in board.em_mix} == {"office_established", "office_new", "hospital_initial"}


def test_goal_prorated_by_fte_with_projection_and_compensation(db: Session, logged: User) -> None:
    today = date(2025, 7, 2)  # day 183 of 365
    board = dashboard.dashboard(db, logged, today=today)
    goal = board.goal
    assert goal is not None
    assert goal.target == Decimal("4000.00")  # 5000 x 0.8 FTE
    assert goal.expected_to_date == (Decimal(4000) * 183 / 365).quantize(Decimal("0.01"))
    actual = entries.total_wrvu(db.query(LogEntry).filter(LogEntry.user_id == logged.id))
    assert goal.actual_to_date == actual
    assert goal.projected_year_end == (actual * 365 / 183).quantize(Decimal("0.01"))
    assert goal.on_track is False
    assert board.compensation == (board.totals.wrvu * 50).quantize(Decimal("0.01"))


def test_dashboard_shows_only_the_users_own_lines(
    db: Session, logged: User, make_user: Callable[..., User], catalog: Catalog
) -> None:
    other = make_user()
    board = dashboard.dashboard(db, other, period="year", start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert board.totals.lines == 0 and board.top_codes == () and board.goal is None
    assert dashboard.trace_ids(db, other, board.trace) == []


def test_bad_period_or_range_is_rejected(db: Session, logged: User) -> None:
    with pytest.raises(InvalidInput):
        dashboard.dashboard(db, logged, period="fortnight")
    with pytest.raises(InvalidInput):
        dashboard.dashboard(db, logged, start=date(2025, 2, 1), end=date(2025, 1, 1))


def test_cached_dashboard_follows_every_change(db: Session, logged: User, catalog: Catalog) -> None:
    args = {
        "period": "year",
        "start": date(2025, 1, 1),
        "end": date(2025, 12, 31),
        "today": date(2025, 12, 31),
    }
    before = dashboard.dashboard(db, logged, **args)
    assert dashboard.dashboard(db, logged, **args) is before  # served from the cache
    entry = entries.create_entry(db, logged, LineSpec(date(2025, 8, 1), "99215", (), 1, "11"), catalog)
    after = dashboard.dashboard(db, logged, **args)
    assert after.totals.lines == before.totals.lines + 1
    assert after.totals.wrvu == before.totals.wrvu + (entry.wrvu or 0)
    entries.delete_entry(db, logged, entry.id, catalog)
    assert dashboard.dashboard(db, logged, **args).totals == before.totals
    logged.annual_wrvu_goal = Decimal("9000")
    db.commit()
    goal = dashboard.dashboard(db, logged, **args).goal
    assert goal is not None and goal.annual_goal == Decimal("9000")


def test_year_to_date_awaiting_counts_the_lines_waiting_for_the_years_release(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    """Lines dated in a year no loaded release covers are stored unpriced: they add no wRVU, and
    ``year_to_date_awaiting`` counts them (up to the day), so pages can say why there is no pace yet."""
    user = make_user()
    waiting_year = catalog.reference.latest_release().year + 1
    for day in (date(waiting_year, 3, 1), date(waiting_year, 3, 2), date(waiting_year - 1, 11, 2)):
        entries.create_entry(db, user, LineSpec(day, "99213", (), 1, "11"), catalog)
    assert dashboard.year_to_date_wrvu(db, user, date(waiting_year, 3, 2)) == 0
    assert dashboard.year_to_date_awaiting(db, user, catalog, date(waiting_year, 3, 2)) == 2
    assert dashboard.year_to_date_awaiting(db, user, catalog, date(waiting_year, 3, 1)) == 1
    assert dashboard.year_to_date_awaiting(db, user, catalog, date(waiting_year, 2, 28)) == 0
    # a year a loaded release covers: its lines are priced, nothing waits
    assert dashboard.year_to_date_wrvu(db, user, date(waiting_year - 1, 12, 31)) > 0
    assert dashboard.year_to_date_awaiting(db, user, catalog, date(waiting_year - 1, 12, 31)) == 0
