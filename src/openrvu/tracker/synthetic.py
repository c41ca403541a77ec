"""Synthetic log lines for benchmarks and demos: real codes, priced by the real engine, bulk inserted.

Never used by the app itself. Every line is marked ``source="synthetic"`` and carries an encounter
token like a line logged by hand: ``seed_lines`` makes synthetic patient visits of 1 to 3 lines (one
encounter each), ``add_visits`` stores given visits, ``add_lines`` stores each line as its own encounter.
So the stored prices are what re-pricing the log would give, and no day is priced as one legacy group.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.entries import new_encounter
from openrvu.tracker.models import WRVU_SCALE, LogEntry, User, utcnow
from openrvu.tracker.totals import refresh_user

#: A clinic-like mix: (code, modifiers, POS, weight). E/M heavy, with some procedures and imaging reads.
MIX: tuple[tuple[str, tuple[str, ...], str, int], ...] = (
    ("99213", (), "11", 30),
    ("99214", (), "11", 25),
    ("99215", (), "11", 6),
    ("99203", (), "11", 5),
    ("99204", (), "11", 5),
    ("99212", (), "11", 4),
    ("99232", (), "21", 6),
    ("99223", (), "21", 2),
    ("99284", (), "23", 2),
    ("20610", ("RT",), "11", 6),
    ("20611", ("LT",), "11", 2),
    ("11042", (), "11", 2),
    ("71046", ("26",), "22", 3),
    ("93010", (), "11", 2),
    ("G2211", (), "11", 4),
)
#: Lines per synthetic patient visit and their weights: mostly one code, some with a second or third.
VISIT_SIZES: tuple[tuple[int, int], ...] = ((1, 60), (2, 30), (3, 10))


def seed_lines(
    session: Session,
    user: User,
    count: int,
    catalog: Catalog,
    *,
    start: date,
    end: date,
    seed: int = 0,
) -> int:
    """Insert ``count`` random priced lines (the ``MIX`` above) for ``user`` over ``start``..``end``, as
    synthetic patient visits of 1 to 3 different codes on one date (``VISIT_SIZES``), one encounter each."""
    rng = random.Random(seed)
    days = (end - start).days + 1
    codes = [(c, m, p) for c, m, p, _ in MIX]
    weights = [w for *_, w in MIX]
    sizes = [n for n, _ in VISIT_SIZES]
    size_weights = [w for _, w in VISIT_SIZES]
    visits: list[list[LineSpec]] = []
    made = 0
    while made < count:
        size = min(count - made, rng.choices(sizes, size_weights)[0])
        day = start + timedelta(days=rng.randrange(days))
        picked: dict[str, LineSpec] = {}
        while len(picked) < size:  # one visit bills a code once
            code, mods, pos = rng.choices(codes, weights)[0]
            picked.setdefault(code, LineSpec(day, code, mods, 1, pos))
        visits.append(list(picked.values()))
        made += size
    return add_visits(session, user, visits, catalog)


def add_lines(
    session: Session, user: User, specs: Iterable[LineSpec], catalog: Catalog, *, chunk: int = 5000
) -> int:
    """Bulk-insert given lines for ``user``, each its own encounter (``add_visits`` groups lines)."""
    return add_visits(session, user, ([spec] for spec in specs), catalog, chunk=chunk)


def add_visits(
    session: Session,
    user: User,
    visits: Iterable[Sequence[LineSpec]],
    catalog: Catalog,
    *,
    chunk: int = 5000,
) -> int:
    """Bulk-insert synthetic patient visits for ``user``: the lines of a visit share one date and one new
    encounter token and are priced together. Rows go in in date order; the totals are refreshed.

    No per-line validation, idempotency or audit rows: for benchmarks and demos, not user input.
    ``ValueError`` when a visit is empty or spans two dates.
    """
    by_day: dict[date, list[Sequence[LineSpec]]] = {}
    for visit in visits:
        if not visit or any(spec.date_of_service != visit[0].date_of_service for spec in visit):
            raise ValueError("a synthetic visit is one or more lines on one date of service")
        by_day.setdefault(visit[0].date_of_service, []).append(visit)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for day in sorted(by_day):
        for visit in by_day[day]:
            encounter = new_encounter()
            for spec, price in zip(visit, catalog.price_day_lenient(visit, user), strict=True):
                rows.append(
                    {
                        "user_id": user.id,
                        "date_of_service": day,
                        "hcpcs": spec.hcpcs,
                        "modifiers": ",".join(spec.modifiers),
                        "units": spec.units,
                        "pos": spec.pos,
                        "encounter": encounter,
                        "source": "synthetic",
                        "created_at": now,
                        "updated_at": now,
                        "release": price.release,
                        "wrvu_e4": None if price.wrvu is None else int(price.wrvu * WRVU_SCALE),
                        "allowed_cents": None if price.allowed is None else int(price.allowed * 100),
                        "pricing_note": price.note,
                    }
                )
        if len(rows) >= chunk:
            session.execute(insert(LogEntry), rows)
            rows = []
    if rows:
        session.execute(insert(LogEntry), rows)
    refresh_user(session, user.id)
    session.commit()
    return sum(len(visit) for day_visits in by_day.values() for visit in day_visits)
