"""Coding warnings on a user's log lines: the checks of ``openrvu.pricing.warnings`` over the log.

The log holds no patient, so a date is one encounter (as for pricing) and a visit inside an earlier
global period may be another patient's: the messages of the cross-date checks say "if it is the same
patient". Warnings are computed when lines are shown, never stored, and change no figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput
from openrvu.pricing.warnings import POSTOP_DAYS, BillingWarning, billing_warnings
from openrvu.tracker.catalog import Catalog
from openrvu.tracker.entries import list_entries
from openrvu.tracker.models import LogEntry, User

#: The user's lines read around the shown ones: the longest global period before, and the day after
#: (a visit the day before major surgery).
BEFORE = timedelta(days=max(POSTOP_DAYS.values()))
AFTER = timedelta(days=1)
MAX_CONTEXT_LINES = 10_000


def line_warnings(
    session: Session, user: User, catalog: Catalog, lines: Sequence[LogEntry]
) -> dict[int, list[BillingWarning]]:
    """The warnings of each of ``lines`` (the user's own), by entry id, read together with the user's
    other lines of the window around them; a warning about two lines is listed under both."""
    if not lines:
        return {}
    days = [e.date_of_service for e in lines]
    context = list_entries(
        session, user, start=min(days) - BEFORE, end=max(days) + AFTER, limit=MAX_CONTEXT_LINES
    )
    coded = {
        e.id: catalog.pricing.coded_line(
            e.id, LineInput(e.hcpcs, tuple(e.modifier_list), e.units, e.pos), e.date_of_service
        )
        for e in [*context, *lines]
    }
    shown = {e.id for e in lines}
    found = billing_warnings([coded[i] for i in shown], [line for i, line in coded.items() if i not in shown])
    out: dict[int, list[BillingWarning]] = {}
    for warning in found:
        for key in warning.lines:
            if key in shown:
                out.setdefault(key, []).append(warning)
    return out
