"""Synthetic log lines for benchmarks and demos: real codes, priced by the real engine, bulk inserted.

Never used by the app itself; ``bench/`` seeds a user with 100,000 lines through ``seed_lines``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from openrvu.tracker.catalog import Catalog, LineSpec
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
    """Insert ``count`` random priced lines (the ``MIX`` above) for ``user`` over ``start``..``end``."""
    rng = random.Random(seed)
    days = (end - start).days + 1
    codes = [(c, m, p) for c, m, p, _ in MIX]
    weights = [w for *_, w in MIX]
    specs = []
    for _ in range(count):
        code, mods, pos = rng.choices(codes, weights)[0]
        specs.append(LineSpec(start + timedelta(days=rng.randrange(days)), code, mods, 1, pos))
    return add_lines(session, user, specs, catalog)


def add_lines(
    session: Session, user: User, specs: Iterable[LineSpec], catalog: Catalog, *, chunk: int = 5000
) -> int:
    """Bulk-insert given lines for ``user``, priced a day at a time, then refresh the totals.

    No per-line validation, idempotency or audit rows: for benchmarks and demos, not user input.
    """
    by_day: dict[date, list[LineSpec]] = {}
    for spec in specs:
        by_day.setdefault(spec.date_of_service, []).append(spec)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for day in sorted(by_day):
        day_specs = by_day[day]
        for spec, price in zip(day_specs, catalog.price_day_lenient(day_specs, user), strict=True):
            rows.append(
                {
                    "user_id": user.id,
                    "date_of_service": day,
                    "hcpcs": spec.hcpcs,
                    "modifiers": ",".join(spec.modifiers),
                    "units": spec.units,
                    "pos": spec.pos,
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
    return sum(len(v) for v in by_day.values())
