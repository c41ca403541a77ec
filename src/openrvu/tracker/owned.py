"""Rows that belong to one user: fetched by id, someone else's answered exactly like a missing one."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from openrvu.tracker.errors import NotFound
from openrvu.tracker.models import ApiToken, Favourite, LogEntry, SurveyBenchmark, Template, User

_Row = TypeVar("_Row", ApiToken, Favourite, LogEntry, SurveyBenchmark, Template)


def get_owned(session: Session, model: type[_Row], row_id: int, user: User, what: str) -> _Row:
    """The ``model`` row ``row_id`` if it is ``user``'s; ``NotFound("no such <what>")`` otherwise.

    One message for both cases, so ids of other users' rows cannot be probed.
    """
    row = session.get(model, row_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no such {what}")
    return row
