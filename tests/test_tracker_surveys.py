"""Survey percentiles typed in by a user: validated, replaced per key, private to the user."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from openrvu.tracker import surveys
from openrvu.tracker.errors import FormErrors, NotFound
from openrvu.tracker.models import User


def test_save_replace_list_delete(db: Session, make_user: Callable[..., User]) -> None:
    user, other = make_user(), make_user()
    key = {"source": "MGMA", "year": 2025, "specialty": "Orthopedic Surgery", "metric": "wrvu"}
    first = surveys.save_benchmark(
        db, user, **key, percentiles={"p25": "6,000", "p50": "7500", "p90": "11000"}
    )
    again = surveys.save_benchmark(db, user, **key, percentiles={"p50": "7600"})
    assert first.id == again.id and again.p50 == Decimal("7600") and again.p25 is None
    assert [b.id for b in surveys.list_benchmarks(db, user)] == [first.id]
    assert surveys.list_benchmarks(db, other) == []
    with pytest.raises(NotFound):
        surveys.delete_benchmark(db, other, first.id)
    surveys.delete_benchmark(db, user, first.id)
    assert surveys.list_benchmarks(db, user) == []


def test_bad_rows_name_each_field(db: Session, make_user: Callable[..., User]) -> None:
    with pytest.raises(FormErrors) as info:
        surveys.save_benchmark(
            db,
            make_user(),
            source="",
            year="20x5",
            specialty="Cardiology",
            metric="salary",
            percentiles={"p25": "9000", "p50": "8000", "p75": "abc", "p99": "1"},
        )
    assert set(info.value.errors) == {"source", "year", "metric", "p50", "p75", "p99"}
