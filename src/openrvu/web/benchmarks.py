"""The national (Medicare) benchmark views of the web pages: a code's national volume and the specialties
that bill it, and the dashboard's "Where you stand" card. Every view carries the source label, the
SYNTHETIC flag and the method and caveats of the tables it shows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from openrvu.benchmarks.standing import METHOD, standing
from openrvu.benchmarks.store import BenchmarkStore, UnknownSpecialty
from openrvu.tracker.benchmark_log import log_aggregates
from openrvu.tracker.models import User

LOAD_HINT = "openrvu benchmarks build"
SPECIALTY_LIMIT = 10


def provenance(store: BenchmarkStore) -> dict[str, Any]:
    """What every benchmark view shows about its source: label, synthetic flag, year, release, caveats."""
    return {
        "label": store.meta.label,
        "synthetic": store.synthetic,
        "year": store.meta.data_year,
        "release": store.meta.release,
        "caveats": store.caveats,
    }


def code_national(store: BenchmarkStore | None, hcpcs: str) -> dict[str, Any]:
    """The national figures of a code for its page: ``loaded`` False when no tables are built, ``stats``
    None when no provider billed the code in the data year."""
    if store is None:
        return {"loaded": False, "hint": LOAD_HINT}
    return {
        "loaded": True,
        "stats": store.code(hcpcs),
        "specialties": store.code_specialties(hcpcs, SPECIALTY_LIMIT),
        **provenance(store),
    }


def where_you_stand(store: BenchmarkStore | None, db: Session, user: User, today: date) -> dict[str, Any]:
    """The "Where you stand" card of a user's dashboard, over the log of this calendar year so far.

    ``state`` says what to show: ``unloaded`` (no tables), ``no-specialty`` (profile has none),
    ``unknown-specialty`` (the tables do not know it; ``closest`` suggests names), or ``ok``.
    """
    if store is None:
        return {"state": "unloaded", "hint": LOAD_HINT}
    if not user.specialty:
        return {"state": "no-specialty"}
    first = date(today.year, 1, 1)
    log = log_aggregates(db, user.id, first, today, float(user.fte))
    try:
        report = standing(store, user.specialty, log)
    except UnknownSpecialty as exc:
        return {"state": "unknown-specialty", "specialty": user.specialty, "closest": exc.closest}
    em = [lvl for lvl in report.em if lvl.yours or lvl.specialty_share]
    return {
        "state": "ok",
        "wrvu": report.wrvu,
        "fte": log.fte,
        "days": log.days_logged,
        "since": first.isoformat(),
        "em": em,
        "method": METHOD,
        **provenance(store),
    }
