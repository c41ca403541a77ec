"""Coding warnings on a user's log lines: the checks of ``openrvu.pricing.warnings`` over the log.

The log holds no patient, so the same-date checks (a visit beside a minor procedure, an add-on without
its primary, a code repeated, ...) run within one encounter (see ``entries``: same date and token; the
lines logged before encounters, with none, are one group per date as for pricing). The cross-date
checks (a visit or procedure inside an earlier global period, a visit the day before major surgery)
cannot know whether two encounters are the same patient: they are kept, at info severity, and their
messages say "if it is the same patient". Warnings are computed when lines are shown, never stored,
and change no figure. (``openrvu price`` and the pricing API check one encounter and are unchanged.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput
from openrvu.pricing.warnings import POSTOP_DAYS, BillingWarning, billing_warnings
from openrvu.tracker.catalog import Catalog
from openrvu.tracker.entries import encounter_groups, list_entries
from openrvu.tracker.models import LogEntry, User

#: The user's lines read around the shown ones: the longest global period before, and the day after
#: (a visit the day before major surgery).
BEFORE = timedelta(days=max(POSTOP_DAYS.values()))
AFTER = timedelta(days=1)
MAX_CONTEXT_LINES = 10_000
#: The checks across dates: the two lines may belong to different patients.
CROSS_DATE = frozenset({"em-in-global-period", "procedure-in-global-period", "em-day-before-major-surgery"})


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
    everyone = {e.id: e for e in [*context, *lines]}
    coded = {
        e.id: catalog.pricing.coded_line(
            e.id, LineInput(e.hcpcs, tuple(e.modifier_list), e.units, e.pos), e.date_of_service
        )
        for e in everyone.values()
    }
    shown = {e.id for e in lines}
    found: list[BillingWarning] = []
    for group in encounter_groups(everyone.values()):
        subjects = [coded[e.id] for e in group if e.id in shown]
        if subjects:
            others = [coded[e.id] for e in group if e.id not in shown]
            found.extend(w for w in billing_warnings(subjects, others) if w.code not in CROSS_DATE)
    across = billing_warnings([coded[i] for i in shown], [c for i, c in coded.items() if i not in shown])
    found.extend(dataclasses.replace(w, severity="info") for w in across if w.code in CROSS_DATE)
    out: dict[int, list[BillingWarning]] = {}
    for warning in sorted(found, key=lambda w: (w.on, w.lines, w.code, w.related)):
        for key in warning.lines:
            if key in shown:
                out.setdefault(key, []).append(warning)
    return out
