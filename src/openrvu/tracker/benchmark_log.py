"""A user's log as the national benchmark comparisons need it (``LogAggregates``), shared by the
``openrvu benchmarks me`` command and the web dashboard's "Where you stand" card.

It lives in the tracker (which may use the benchmarks package) so that benchmarks never imports tracker.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from openrvu.benchmarks.categories import EM_FAMILIES
from openrvu.benchmarks.standing import LogAggregates
from openrvu.tracker.dashboard import range_sums

EM_CODES = frozenset(c for _key, _name, codes in EM_FAMILIES for c in codes)


def log_aggregates(
    session: Session,
    user_id: int,
    first: date,
    last: date,
    fte: float,
    medicare_share: float | None = None,
) -> LogAggregates:
    """The wRVUs, E/M counts and per-code units a user logged from ``first`` to ``last`` (inclusive).

    Raises ``ValueError`` when the range is reversed or the FTE is out of bounds.
    """
    if last < first:
        raise ValueError(f"the last day {last} is before the first day {first}")
    sums = range_sums(session, [user_id], first, last)
    units = {code: nums[3] for code, nums in sums.by_code.items()}
    return LogAggregates(
        wrvu=sums.total[0] / 10_000,  # the tracker keeps wRVU x 10^4 as integers
        days_logged=min(366, (last - first).days + 1),
        fte=fte,
        em_counts={c: n for c, n in units.items() if c in EM_CODES},
        code_volumes={c: float(n) for c, n in units.items() if c not in EM_CODES},
        medicare_share=medicare_share,
    )
