"""Tracker dashboard for a user with 100,000 log lines, in process, on SQLite.

Figures: the dashboard computed cold (cache cleared) and cached, for each period size, against a
baseline measured in the same run: the same sums taken straight from the log lines (GROUP BY over
``log_entries``, as a tracker without the totals table would). Lines are real codes priced by the
pricing engine: 40 encounters (patient visits) are priced once and the priced rows are replicated
over the year, each copy with its own encounter token (so its stored prices are what re-pricing would
give), so seeding stays quick; the dashboard does not care how lines were priced.

``OPENRVU_BENCH_QUICK=1``: 2,000 lines and fewer repetitions.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

QUICK = os.environ.get("OPENRVU_BENCH_QUICK") == "1"
LINES = 2_000 if QUICK else 100_000
REPEAT = 5 if QUICK else 25
YEAR = 2025


def _reference(tmp: Path):  # type: ignore[no-untyped-def]
    from openrvu.reference.build import ingest
    from openrvu.reference.db import ReferenceDB
    from openrvu.settings import load_settings

    path = tmp / "reference.sqlite"
    ingest(path, [load_settings().cms_dir / "pfs_rvu_2025"])
    return ReferenceDB(path)


def _seed(session, user, catalog) -> None:  # type: ignore[no-untyped-def]
    from openrvu.tracker import totals
    from openrvu.tracker.catalog import LineSpec
    from openrvu.tracker.entries import new_encounter
    from openrvu.tracker.models import WRVU_SCALE, LogEntry, utcnow
    from openrvu.tracker.synthetic import MIX

    rng = random.Random(20261127)
    codes = [(c, m, p) for c, m, p, _ in MIX]
    weights = [w for *_, w in MIX]
    encounters = []  # 40 distinct priced encounters, each of 2 to 8 lines
    for _ in range(40):
        picked = [rng.choices(codes, weights)[0] for _ in range(rng.randint(2, 8))]
        specs = [LineSpec(date(YEAR, 3, 2), c, m, 1, p) for c, m, p in picked]
        encounters.append(list(zip(specs, catalog.price_day(specs, user), strict=True)))
    now = utcnow()
    rows: list[dict[str, object]] = []
    while len(rows) < LINES:
        day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        token = new_encounter()
        for spec, price in rng.choice(encounters):
            rows.append(
                {
                    "user_id": user.id,
                    "date_of_service": day,
                    "hcpcs": spec.hcpcs,
                    "modifiers": ",".join(spec.modifiers),
                    "units": 1,
                    "pos": spec.pos,
                    "encounter": token,
                    "source": "synthetic",
                    "created_at": now,
                    "updated_at": now,
                    "release": price.release,
                    "wrvu_e4": int(price.wrvu * WRVU_SCALE),
                    "allowed_cents": None if price.allowed is None else int(price.allowed * 100),
                }
            )
    for i in range(0, LINES, 5000):
        session.execute(insert(LogEntry), rows[i : min(i + 5000, LINES)])
    totals.refresh_user(session, user.id)
    session.commit()


def _baseline(session, user_id: int, start: date, end: date) -> None:  # type: ignore[no-untyped-def]
    from openrvu.tracker.models import LogEntry

    sums = (func.sum(LogEntry.wrvu_e4), func.sum(LogEntry.allowed_cents), func.count(LogEntry.id))
    where = (LogEntry.user_id == user_id, LogEntry.date_of_service >= start, LogEntry.date_of_service <= end)
    session.execute(
        select(LogEntry.date_of_service, *sums).where(*where).group_by(LogEntry.date_of_service)
    ).all()
    session.execute(select(LogEntry.hcpcs, *sums).where(*where).group_by(LogEntry.hcpcs)).all()


def _timed(fn) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _measure(session, user, period: str, today: date) -> None:  # type: ignore[no-untyped-def]
    from openrvu.tracker import dashboard

    lo, hi = dashboard.default_range(period, today)

    def cold() -> None:
        dashboard._CACHE._items.clear()
        dashboard.dashboard(session, user, period=period, today=today)

    cold_ms = _timed(cold)
    warm_ms = _timed(lambda: dashboard.dashboard(session, user, period=period, today=today))
    base_ms = _timed(lambda: _baseline(session, user.id, lo, hi))
    print(
        f"dashboard {period:5s} ({lo}..{hi}): cold p50 {_p(cold_ms, 0.5):6.1f} ms "
        f"p95 {_p(cold_ms, 0.95):6.1f} ms | cached p50 {_p(warm_ms, 0.5):5.2f} ms | "
        f"baseline (sums over the lines) p50 {_p(base_ms, 0.5):6.1f} ms | "
        f"cold x{statistics.median(base_ms) / statistics.median(cold_ms):.1f}, "
        f"cached x{statistics.median(base_ms) / statistics.median(warm_ms):.0f} vs baseline",
        flush=True,
    )


def main() -> None:
    from openrvu.tracker import accounts
    from openrvu.tracker.catalog import Catalog
    from openrvu.tracker.db import make_engine, migrate, session_factory

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reference = _reference(tmp)
        url = f"sqlite:///{tmp / 'app.sqlite'}"
        migrate(url)
        engine = make_engine(url)
        try:
            with session_factory(engine)() as session:
                user = accounts.sign_up(session, "bench@example.org", "a long bench password")
                user.locality = "01112-05"
                session.commit()
                started = time.perf_counter()
                _seed(session, user, Catalog(reference))
                print(f"{LINES:,} priced lines seeded in {time.perf_counter() - started:.1f} s")
                for period in ("day", "week", "month", "year"):
                    _measure(session, user, period, date(YEAR, 12, 31))
        finally:
            engine.dispose()
            reference.close()
