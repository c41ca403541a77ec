"""SYNTHETIC claim lines for the repricing benchmark and the bulk/engine equivalence test.

Real codes and localities from the reference database, random encounters of 1-6 lines, random
modifiers, units and places of service. The lines are made up: they are not claims of anyone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from openrvu.cms.models import RvuRow

COLUMNS = ("encounter_id", "date", "hcpcs", "modifiers", "units", "pos", "locality_or_zip")
_POS = ("11", "11", "11", "22", "21", "23", "24", "19", "02", "10", "31", "12")
_INFO = ("", "", "", "", "", "", "59", "25", "RT", "LT", "XS", "76", "GC", "51")
_RARE = ("80", "AS", "62", "52", "22", "54", "55", "66", "53", "50")


def synthetic_rows(
    db: Any,
    release: str,
    n: int,
    seed: int = 0,
    *,
    rare: float = 0.01,
    errors: float = 0.002,
    dates: tuple[str, ...] = ("2025-11-03",),
) -> list[dict[str, str]]:
    """``n`` SYNTHETIC lines as a list (see ``iter_synthetic_rows``)."""
    return list(iter_synthetic_rows(db, release, n, seed, rare=rare, errors=errors, dates=dates))


def iter_synthetic_rows(
    db: Any,
    release: str,
    n: int,
    seed: int = 0,
    *,
    rare: float = 0.01,
    errors: float = 0.002,
    dates: tuple[str, ...] = ("2025-11-03",),
) -> Iterator[dict[str, str]]:
    """``n`` SYNTHETIC lines: real paying codes (status A/R/T/C and their -26/-TC rows), random encounters."""
    rng = random.Random(seed)
    rows: list[RvuRow] = [
        r for r in db.iter_rvu(release) if r.status_code in "ARTC" and r.modifier in ("", "26", "TC")
    ]
    localities = [f"{g.carrier}-{g.locality}" for g in db.localities(release)]
    zips = ("94110", "10001", "60614", "73301", "02115", "98101", "33101", "30301")
    made = 0
    encounter = 0
    while made < n:
        encounter += 1
        size = rng.randint(1, 6)
        day = rng.choice(dates)
        pos = rng.choice(_POS)
        loc = rng.choice(zips) if rng.random() < 0.1 else rng.choice(localities)
        for _ in range(min(size, n - made)):
            row = rng.choice(rows)
            mods = [row.modifier] if row.modifier else []
            info = rng.choice(_INFO)
            if info:
                mods.append(info)
            if rng.random() < rare:
                mods.append(rng.choice(_RARE))
            units = 2 if rng.random() < 0.08 else 1
            rec = {
                "encounter_id": f"E{encounter}",
                "date": day,
                "hcpcs": row.hcpcs,
                "modifiers": ":".join(mods),
                "units": str(units),
                "pos": pos,
                "locality_or_zip": loc,
            }
            if rng.random() < errors:
                field = rng.choice(("hcpcs", "units", "pos", "locality_or_zip", "modifiers"))
                rec[field] = {
                    "hcpcs": "ZZZZ9",
                    "units": "0",
                    "pos": "98",
                    "locality_or_zip": "05",
                    "modifiers": "26:TC",
                }[field]
            made += 1
            yield rec
