"""Dashboard figures: wRVU and estimated CMS payment per period, top codes, E/M level mix, goal
progress prorated by FTE with a year-end projection, and compensation at the profile's $ per wRVU.

Sums run in SQL over ``day_code_totals`` (per user, date and code; kept in step with the lines by
``openrvu.tracker.totals``), so a user with 100,000 lines reads about 10,000 small rows, not the
lines. Every figure carries a ``Trace`` (date range and code) and ``trace_ids`` returns its lines.
"""

from __future__ import annotations

import calendar
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openrvu.reference.categories import EM_FAMILIES
from openrvu.tracker.catalog import Catalog, user_contract
from openrvu.tracker.entries import entry_ids
from openrvu.tracker.errors import InvalidInput
from openrvu.tracker.models import WRVU_SCALE, DayCodeTotal, LogEntry, User, utcnow

PERIODS = ("day", "week", "month", "quarter", "year")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Trace:
    """Which lines a figure sums: dates ``start``..``end`` inclusive, optionally one code."""

    start: date | None
    end: date | None
    hcpcs: str | None = None


@dataclass(frozen=True, slots=True)
class Figures:
    """wRVU credit, estimated CMS allowed amount, line and unit counts.

    ``unpriced``: lines without a CMS amount (contractor-priced, or not priceable); they add 0 to ``allowed``.
    """

    wrvu: Decimal
    allowed: Decimal
    lines: int
    units: int
    unpriced: int


@dataclass(frozen=True, slots=True)
class Bucket:
    """One period of the chart (a day, week, month, quarter or year)."""

    label: str
    start: date
    end: date
    figures: Figures
    trace: Trace


@dataclass(frozen=True, slots=True)
class CodeTotal:
    """A code's total over the range."""

    hcpcs: str
    figures: Figures
    share_of_wrvu: Decimal
    trace: Trace


@dataclass(frozen=True, slots=True)
class LevelCount:
    """How often one E/M level was logged, and its share within its family."""

    hcpcs: str
    level: int
    count: int
    share: Decimal
    trace: Trace


@dataclass(frozen=True, slots=True)
class EmFamily:
    """The level mix of one E/M family (only families with lines are returned)."""

    key: str
    name: str
    total: int
    levels: tuple[LevelCount, ...]


@dataclass(frozen=True, slots=True)
class Goal:
    """Progress toward the annual wRVU goal, prorated by FTE and by the days elapsed in the year."""

    year: int
    annual_goal: Decimal  # as entered (full-time)
    fte: Decimal
    target: Decimal  # annual_goal x FTE
    expected_to_date: Decimal  # target x elapsed share of the year
    actual_to_date: Decimal
    percent_of_target: Decimal
    projected_year_end: Decimal
    on_track: bool
    trace: Trace


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows for one user and date range."""

    period: str
    start: date
    end: date
    totals: Figures
    series: tuple[Bucket, ...]
    top_codes: tuple[CodeTotal, ...]
    em_mix: tuple[EmFamily, ...]
    goal: Goal | None
    dollars_per_wrvu: Decimal | None
    compensation: Decimal | None  # for the range's wRVU, at the contract's rate/tiers
    year_to_date_compensation: Decimal | None
    trace: Trace
    notes: tuple[str, ...] = field(default=())


def figures_of(wrvu_e4: Any, cents: Any, lines: Any, units: Any, priced: Any) -> Figures:
    """Figures from one row of the ``SUMS`` aggregate (SQL sums may be None, int or Decimal)."""
    return Figures(
        wrvu=(Decimal(int(wrvu_e4 or 0)) / WRVU_SCALE).quantize(CENT, rounding=ROUND_HALF_UP),
        allowed=(Decimal(int(cents or 0)) / 100).quantize(CENT),
        lines=int(lines or 0),
        units=int(units or 0),
        unpriced=int(lines or 0) - int(priced or 0),
    )


#: The aggregate behind every figure: wRVU, allowed, lines, units, lines with a CMS amount.
SUMS = (
    func.sum(DayCodeTotal.wrvu_e4),
    func.sum(DayCodeTotal.allowed_cents),
    func.sum(DayCodeTotal.lines),
    func.sum(DayCodeTotal.units),
    func.sum(DayCodeTotal.priced_lines),
)


def in_range(stmt: Any, user_ids: list[int], start: date, end: date) -> Any:
    """Restrict a query to the lines of ``user_ids`` dated ``start``..``end`` (inclusive)."""
    return stmt.where(
        DayCodeTotal.user_id.in_(user_ids),
        DayCodeTotal.date_of_service >= start,
        DayCodeTotal.date_of_service <= end,
    )


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day`` (weeks start on Monday, ISO 8601)."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(month=1, day=1)


def period_end(start: date, period: str) -> date:
    """The last day of the period that begins on ``start``."""
    if period == "day":
        return start
    if period == "week":
        return start + timedelta(days=6)
    if period == "year":
        return start.replace(month=12, day=31)
    months = 1 if period == "month" else 3
    last_month = start.month + months - 1
    return start.replace(month=last_month, day=calendar.monthrange(start.year, last_month)[1])


def period_label(start: date, period: str) -> str:
    """A short label: 2026-03-14, 2026-W11, 2026-03, 2026 Q1, 2026."""
    if period == "day":
        return start.isoformat()
    if period == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def default_range(period: str, today: date) -> tuple[date, date]:
    """The range a period shows by default: 30 days, 12 weeks, this year, 4 quarters or 5 years."""
    if period == "day":
        return today - timedelta(days=29), today
    if period == "week":
        return period_start(today, "week") - timedelta(weeks=11), today
    if period == "quarter":
        start = period_start(today, "quarter")
        for _ in range(3):
            start = period_start(start - timedelta(days=1), "quarter")
        return start, today
    if period == "year":
        return date(today.year - 4, 1, 1), today
    return date(today.year, 1, 1), today


def daily_figures(session: Session, user_ids: list[int], start: date, end: date) -> dict[date, Figures]:
    """Figures per date of service (one SQL aggregate; the series are built from it)."""
    stmt = in_range(select(DayCodeTotal.date_of_service, *SUMS), user_ids, start, end).group_by(
        DayCodeTotal.date_of_service
    )
    return {row[0]: figures_of(*row[1:]) for row in session.execute(stmt)}


@dataclass(slots=True)
class RangeSums:
    """Integer sums of a range (wRVU x 10^4, cents, lines, units, priced lines) per date and per code."""

    by_day: dict[date, list[int]] = field(default_factory=dict)
    by_code: dict[str, list[int]] = field(default_factory=dict)
    total: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])


def range_sums(session: Session, user_ids: list[int], start: date, end: date) -> RangeSums:
    """The range's sums per day and per code: two GROUP BY queries over the totals table.

    Totals, top codes and the E/M mix all derive from the per-code sums, so no other query is needed.
    """
    out = RangeSums()
    by_day = in_range(select(DayCodeTotal.date_of_service, *SUMS), user_ids, start, end).group_by(
        DayCodeTotal.date_of_service
    )
    for day, *nums in session.execute(by_day):
        out.by_day[day] = [int(n or 0) for n in nums]
    by_code = in_range(select(DayCodeTotal.hcpcs, *SUMS), user_ids, start, end).group_by(DayCodeTotal.hcpcs)
    for code, *nums in session.execute(by_code):
        sums = [int(n or 0) for n in nums]
        out.by_code[code] = sums
        out.total = [t + n for t, n in zip(out.total, sums, strict=True)]
    return out


def _figs(sums: list[int]) -> Figures:
    return figures_of(*sums)


def add_figures(a: Figures, b: Figures) -> Figures:
    """The sum of two figures."""
    return Figures(
        a.wrvu + b.wrvu, a.allowed + b.allowed, a.lines + b.lines, a.units + b.units, a.unpriced + b.unpriced
    )


ZERO = Figures(Decimal("0.00"), Decimal("0.00"), 0, 0, 0)


def series(
    daily: dict[date, Figures], period: str, start: date, end: date, hcpcs: str | None = None
) -> list[Bucket]:
    """Buckets covering ``start``..``end`` (empty periods included, so charts have no gaps)."""
    sums: dict[date, Figures] = {}
    for day, figs in daily.items():
        key = period_start(day, period)
        sums[key] = add_figures(sums.get(key, ZERO), figs)
    out = []
    cursor = period_start(start, period)
    while cursor <= end:
        last = period_end(cursor, period)
        lo, hi = max(cursor, start), min(last, end)
        out.append(Bucket(period_label(cursor, period), lo, hi, sums.get(cursor, ZERO), Trace(lo, hi, hcpcs)))
        cursor = last + timedelta(days=1)
    return out


def _series_from(sums: RangeSums, period: str, start: date, end: date) -> list[Bucket]:
    per_period: dict[date, list[int]] = {}
    for day, nums in sums.by_day.items():
        acc = per_period.setdefault(period_start(day, period), [0, 0, 0, 0, 0])
        for i, n in enumerate(nums):
            acc[i] += n
    return series({k: _figs(v) for k, v in per_period.items()}, period, start, end)


def top_codes(sums: RangeSums, start: date, end: date, limit: int = 10) -> list[CodeTotal]:
    """The codes with the most wRVU in the range (ties: more lines first, then by code)."""
    ranked = sorted(sums.by_code.items(), key=lambda kv: (-kv[1][0], -kv[1][2], kv[0]))[:limit]
    total = sums.total[0]
    return [
        CodeTotal(
            code,
            _figs(nums),
            (Decimal(nums[0]) / total * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if total
            else Decimal(0),
            Trace(start, end, code),
        )
        for code, nums in ranked
    ]


def em_mix(sums: RangeSums, start: date, end: date) -> list[EmFamily]:
    """Level mix of each E/M family logged in the range (counts of units, as billed)."""
    counts = {code: nums[3] for code, nums in sums.by_code.items()}
    out = []
    for key, name, family in EM_FAMILIES:
        total = sum(counts.get(c, 0) for c in family)
        if not total:
            continue
        levels = tuple(
            LevelCount(
                c,
                int(c[-1]),  # the level is the last digit in every family here
                counts.get(c, 0),
                (Decimal(counts.get(c, 0)) / total * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                Trace(start, end, c),
            )
            for c in family
        )
        out.append(EmFamily(key, name, total, levels))
    return out


def year_to_date_wrvu(session: Session, user: User, today: date) -> Decimal:
    """The user's wRVU from January 1 of ``today``'s year through ``today``."""
    stmt = in_range(select(func.sum(DayCodeTotal.wrvu_e4)), [user.id], date(today.year, 1, 1), today)
    return (Decimal(int(session.scalar(stmt) or 0)) / WRVU_SCALE).quantize(CENT)


def year_to_date_awaiting(session: Session, user: User, catalog: Catalog, today: date) -> int:
    """How many of the user's lines from January 1 of ``today``'s year through ``today`` wait for the
    year's CMS release: stored unpriced because no loaded release covers the year
    (``Catalog.awaited_stand_in``); 0 once one does (loading it prices them)."""
    if catalog.awaited_stand_in(today) is None:
        return 0
    stmt = select(func.count()).where(
        LogEntry.user_id == user.id,
        LogEntry.date_of_service >= date(today.year, 1, 1),
        LogEntry.date_of_service <= today,
        LogEntry.release.is_(None),
    )
    return int(session.scalar(stmt) or 0)


def goal_progress(user: User, today: date, actual: Decimal) -> Goal | None:
    """Year-to-date wRVU (``actual``) against the FTE-prorated goal, with a straight-line projection."""
    if not user.annual_wrvu_goal:
        return None
    start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    days_in_year = (end - start).days + 1
    elapsed = (today - start).days + 1
    target = user.annual_wrvu_goal * user.fte
    expected = target * elapsed / days_in_year
    projected = actual * days_in_year / elapsed
    return Goal(
        year=today.year,
        annual_goal=user.annual_wrvu_goal,
        fte=user.fte,
        target=target.quantize(CENT, rounding=ROUND_HALF_UP),
        expected_to_date=expected.quantize(CENT, rounding=ROUND_HALF_UP),
        actual_to_date=actual,
        percent_of_target=(actual / target * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if target
        else Decimal(0),
        projected_year_end=projected.quantize(CENT, rounding=ROUND_HALF_UP),
        on_track=actual >= expected,
        trace=Trace(start, today),
    )


class _Cache:
    """Recently computed dashboards, keyed by the user's ``log_version`` and profile figures.

    Any change to the user's lines bumps ``log_version`` in the database (``totals.refresh_*``), so a
    cached dashboard is never stale, even with several server processes (each has its own cache).
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Dashboard] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Dashboard | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: Dashboard) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_CACHE = _Cache()


def dashboard(
    session: Session,
    user: User,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> Dashboard:
    """The user's dashboard for a period size and a date range (default: see ``default_range``).

    Cached per (lines version, profile, arguments): repeated views cost one primary-key read.
    """
    version = session.scalar(select(User.log_version).where(User.id == user.id))
    key = (
        user.id,
        version,
        period,
        start,
        end,
        today or utcnow().date(),
        user.annual_wrvu_goal,
        user.fte,
        user.dollars_per_wrvu,
        json.dumps(user.contract or {}, sort_keys=True),
        bool(user.locality or user.zip_code),
    )
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    board = _compute(session, user, period=period, start=start, end=end, today=today)
    _CACHE.put(key, board)
    return board


def _compute(
    session: Session, user: User, *, period: str, start: date | None, end: date | None, today: date | None
) -> Dashboard:
    if period not in PERIODS:
        raise InvalidInput("period", f"choose one of {', '.join(PERIODS)}")
    today = today or utcnow().date()
    lo, hi = default_range(period, today)
    start, end = start or lo, end or hi
    if start > end:
        raise InvalidInput("start", "the start date is after the end date")
    if (end - start).days > 366 * 20:
        raise InvalidInput("start", "choose a range of at most 20 years")
    sums = range_sums(session, [user.id], start, end)
    totals = _figs(sums.total)
    contract = user_contract(user)
    rate = user.dollars_per_wrvu
    paid = rate is not None or bool(contract.tiers)
    ytd = year_to_date_wrvu(session, user, today)
    notes = []
    if totals.unpriced:
        notes.append(
            f"{totals.unpriced} line(s) have no CMS amount (contractor-priced or not priced); counted as 0"
        )
    if not (user.locality or user.zip_code):
        notes.append("payments are national amounts: set your ZIP code or locality in your profile")
    return Dashboard(
        period=period,
        start=start,
        end=end,
        totals=totals,
        series=tuple(_series_from(sums, period, start, end)),
        top_codes=tuple(top_codes(sums, start, end)),
        em_mix=tuple(em_mix(sums, start, end)),
        goal=goal_progress(user, today, ytd),
        dollars_per_wrvu=rate,
        compensation=contract.compensation(totals.wrvu) if paid else None,
        year_to_date_compensation=contract.compensation(ytd) if paid else None,
        trace=Trace(start, end),
        notes=tuple(notes),
    )


def trace_ids(session: Session, user: User, trace: Trace) -> list[int]:
    """The ids of the user's lines behind a figure."""
    return entry_ids(session, user, start=trace.start, end=trace.end, hcpcs=trace.hcpcs)
