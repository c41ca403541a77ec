"""Coding warnings on a user's log lines: the checks of ``openrvu.pricing.warnings`` over the log.

The log holds no patient, so the same-date checks (a visit beside a minor procedure, an add-on without
its primary, a code repeated, ...) run within one encounter (see ``entries``: same date and token; the
lines logged before encounters, with none, are one group per date as for pricing). The cross-date
checks (a visit or procedure inside an earlier global period, a visit the day before major surgery)
cannot know whether two encounters are the same patient: they are kept, at info severity, and their
messages say "if it is the same patient". Warnings are computed when lines are shown, never stored,
and change no figure. (``openrvu price`` and the pricing API check one encounter and are unchanged.)

Lines waiting for a price (dated in a year no loaded release covers, ``Catalog.awaited_stand_in``) are
checked against the release the tracker validated them with, the latest loaded one: the checks read
only a code's row (status, global days, PC/TC), which that release has. Their warnings say so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput
from openrvu.pricing.warnings import POSTOP_DAYS, BillingWarning, CodedLine, billing_warnings
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
    stand_ins: dict[date, date | None] = {}
    for e in everyone.values():
        if e.date_of_service not in stand_ins:
            stand_ins[e.date_of_service] = catalog.awaited_stand_in(e.date_of_service)
    coded = {e.id: _coded(catalog, e, stand_ins[e.date_of_service]) for e in everyone.values()}
    waiting = {e.id: e.date_of_service.year for e in everyone.values() if stand_ins[e.date_of_service]}
    shown = {e.id for e in lines}
    found: list[BillingWarning] = []
    for group in encounter_groups(everyone.values()):
        subjects = [coded[e.id] for e in group if e.id in shown]
        if subjects:
            others = [coded[e.id] for e in group if e.id not in shown]
            found.extend(w for w in billing_warnings(subjects, others) if w.code not in CROSS_DATE)
    across = billing_warnings([coded[i] for i in shown], [c for i, c in coded.items() if i not in shown])
    found.extend(dataclasses.replace(w, severity="info") for w in across if w.code in CROSS_DATE)
    stand_in = next((d for d in stand_ins.values() if d is not None), None)
    if stand_in is not None:
        release = catalog.pricing.release_name(stand_in)
        found = [_checked_against(w, release, waiting) for w in found]
    out: dict[int, list[BillingWarning]] = {}
    for warning in sorted(found, key=lambda w: (w.on, w.lines, w.code, w.related)):
        for key in warning.lines:
            if key in shown:
                out.setdefault(key, []).append(warning)
    return out


def _coded(catalog: Catalog, entry: LogEntry, stand_in: date | None) -> CodedLine:
    """A log line with its reference row: from the release in force on its date, or for a line waiting
    for its year's release from the release it was validated against (keeping its own date)."""
    line = LineInput(entry.hcpcs, tuple(entry.modifier_list), entry.units, entry.pos)
    if stand_in is None:
        return catalog.pricing.coded_line(entry.id, line, entry.date_of_service)
    return dataclasses.replace(catalog.pricing.coded_line(entry.id, line, stand_in), on=entry.date_of_service)


def _checked_against(warning: BillingWarning, release: str, waiting: dict[int, int]) -> BillingWarning:
    """A warning about a line waiting for its year's release (``waiting``: entry id -> year), saying
    which release's rows it read."""
    years = sorted({waiting[k] for k in (*warning.lines, *warning.related) if k in waiting})
    if not years:
        return warning
    note = (
        f" Checked against {release}, the latest loaded release: no {'/'.join(map(str, years))} RVU "
        "release is loaded yet."
    )
    return dataclasses.replace(warning, message=warning.message + note)
