"""Survey benchmarks (MGMA, AMGA, ...): percentiles a user types in from their own licensed copy.

openrvu never ships survey data; these rows belong to the user who entered them and only they see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openrvu.tracker.errors import FormErrors
from openrvu.tracker.models import SurveyBenchmark, User
from openrvu.tracker.owned import get_owned

METRICS = ("wrvu", "compensation", "comp_per_wrvu")
PERCENTILES = ("p10", "p25", "p50", "p75", "p90")


def save_benchmark(
    session: Session,
    user: User,
    *,
    source: str,
    year: int | str,
    specialty: str,
    metric: str,
    percentiles: Mapping[str, Any],
) -> SurveyBenchmark:
    """Add or replace the user's percentiles for (source, year, specialty, metric).

    Percentiles must rise (p10 <= p25 <= ... <= p90); ``FormErrors`` names every bad field.
    """
    errors: dict[str, str] = {}
    src, spec = (source or "").strip(), (specialty or "").strip()
    if not 1 <= len(src) <= 32:
        errors["source"] = "name the survey (e.g. MGMA), 1 to 32 characters"
    if not 1 <= len(spec) <= 100:
        errors["specialty"] = "1 to 100 characters"
    if metric not in METRICS:
        errors["metric"] = f"choose one of {', '.join(METRICS)}"
    try:
        yr = int(str(year).strip())
        if not 1990 <= yr <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = "a year such as 2025"
        yr = 0
    values: dict[str, Decimal | None] = {}
    for key in PERCENTILES:
        raw = percentiles.get(key)
        if raw is None or str(raw).strip() == "":
            values[key] = None
            continue
        try:
            number = Decimal(str(raw).strip().replace(",", "").lstrip("$"))
        except InvalidOperation:
            errors[key] = "a number"
            continue
        if not number.is_finite() or number < 0:
            errors[key] = "a number of 0 or more"
            continue
        values[key] = number
    unknown = sorted(set(percentiles) - set(PERCENTILES))
    if unknown:
        errors[unknown[0]] = f"not a percentile (use {', '.join(PERCENTILES)})"
    given = [(k, v) for k, v in values.items() if v is not None]
    if not given and "p50" not in errors:
        errors["p50"] = "enter at least one percentile"
    for (k1, v1), (k2, v2) in zip(given, given[1:], strict=False):
        if v2 < v1:
            errors[k2] = f"{k2} is below {k1}: percentiles rise"
    if errors:
        raise FormErrors(errors)
    stmt = select(SurveyBenchmark).where(
        SurveyBenchmark.user_id == user.id,
        SurveyBenchmark.source == src,
        SurveyBenchmark.year == yr,
        SurveyBenchmark.specialty == spec,
        SurveyBenchmark.metric == metric,
    )
    row = session.scalars(stmt).first()
    if row is None:
        row = SurveyBenchmark(user_id=user.id, source=src, year=yr, specialty=spec, metric=metric)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.commit()
    return row


def list_benchmarks(session: Session, user: User, *, specialty: str | None = None) -> list[SurveyBenchmark]:
    """The user's own survey rows (optionally of one specialty)."""
    stmt = select(SurveyBenchmark).where(SurveyBenchmark.user_id == user.id)
    if specialty:
        stmt = stmt.where(SurveyBenchmark.specialty == specialty.strip())
    return list(session.scalars(stmt.order_by(SurveyBenchmark.year.desc(), SurveyBenchmark.specialty)))


def delete_benchmark(session: Session, user: User, benchmark_id: int) -> None:
    """Delete one of the user's survey rows; another user's is ``NotFound``."""
    row = get_owned(session, SurveyBenchmark, benchmark_id, user, "survey row")
    session.delete(row)
    session.commit()
