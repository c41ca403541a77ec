"""Log lines: idempotent create, owner-only read, edit and delete with a before/after audit trail.

A user only ever sees their own lines: another user's line id answers ``NotFound`` (never
"forbidden", which would confirm that the id exists).

Encounters: a clinician logs many patients a day, so the pricing group is (user, date, encounter),
where ``encounter`` is an opaque random token (``new_encounter``), never patient data. A new line is
its own encounter unless it joins one (a token, or "same patient as my last line" on that date).
Lines logged before encounters existed have no token: all of them on a date stay one group, as they
were priced when logged. Every write re-prices the dates it touches, group by group.

Idempotency keys: a key stores one line, once. Deleting the line does not free its key (``ConsumedKey``):
a late resend of it answers ``AlreadyDeleted`` and stores nothing, as a resend of a live line answers
that line.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openrvu.pricing.modifiers import parse_modifiers
from openrvu.pricing.pos import normalize_pos
from openrvu.tracker import audit, totals
from openrvu.tracker.catalog import Catalog, LinePrice, LineSpec
from openrvu.tracker.errors import AlreadyDeleted, FormErrors, InvalidInput, NotFound
from openrvu.tracker.models import WRVU_SCALE, AuditLog, ConsumedKey, LogEntry, User, utcnow
from openrvu.tracker.owned import get_owned

MAX_UNITS = 999
MAX_FUTURE = timedelta(days=1)  # a clinician's "today" may be tomorrow in UTC
_HCPCS = re.compile(r"^[0-9A-Z]{5}$")
_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
_ENCOUNTER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class EntryForm:
    """The raw fields of a log line as a form or API sends them (strings; blanks allowed)."""

    date_of_service: str | date
    hcpcs: str
    modifiers: str | Sequence[str] = ""
    units: str | int = 1
    pos: str | None = None


def parse_entry(user: User, form: EntryForm, *, today: date | None = None) -> LineSpec:
    """Check the shape of each field and normalise it; ``FormErrors`` lists every bad field.

    Whether the code, modifiers and POS exist is the catalog's job (``create_entry`` asks it).
    """
    errors: dict[str, str] = {}
    today = today or utcnow().date()
    day: date | None = None
    if isinstance(form.date_of_service, date):
        day = form.date_of_service
    else:
        try:
            day = date.fromisoformat(str(form.date_of_service).strip())
        except ValueError:
            errors["date_of_service"] = "enter the date of service as YYYY-MM-DD"
    if day is not None and day > today + MAX_FUTURE:
        errors["date_of_service"] = "the date of service is in the future"
    code = str(form.hcpcs or "").strip().upper()
    if not _HCPCS.match(code):
        errors["hcpcs"] = "a HCPCS/CPT code is 5 letters or digits, e.g. 99213 or G0320"
    try:
        mods = parse_modifiers(form.modifiers)
    except (TypeError, AttributeError):
        mods = ()
        errors["modifiers"] = "modifiers are 2-character codes separated by spaces or commas"
    if any(len(m) != 2 or not m.isalnum() for m in mods):
        errors["modifiers"] = "each modifier is 2 letters or digits, e.g. 26, TC, 59"
    elif len(mods) > 4:
        errors["modifiers"] = "a line carries at most 4 modifiers"
    units = 0
    try:
        units = int(str(form.units).strip())
    except ValueError:
        errors["units"] = "units is a whole number"
    else:
        if not 1 <= units <= MAX_UNITS:
            errors["units"] = f"units is a whole number from 1 to {MAX_UNITS}"
    pos = normalize_pos(form.pos if form.pos not in (None, "") else user.default_pos)
    if not re.fullmatch(r"\d{2}", pos):
        errors["pos"] = "place of service is a 2-digit CMS code, e.g. 11 (office) or 22 (outpatient)"
    if errors:
        raise FormErrors(errors)
    assert day is not None
    return LineSpec(day, code, mods, units, pos)


def snapshot(entry: LogEntry) -> dict[str, Any]:
    """The audit view of a line (no ids of other objects, nothing personal)."""
    return {
        "date_of_service": entry.date_of_service.isoformat(),
        "hcpcs": entry.hcpcs,
        "modifiers": entry.modifier_list,
        "units": entry.units,
        "pos": entry.pos,
        "encounter": entry.encounter,
        "release": entry.release,
        "wrvu": None if entry.wrvu is None else str(entry.wrvu),
        "allowed": None if entry.allowed is None else str(entry.allowed),
    }


def new_encounter() -> str:
    """A fresh opaque encounter token (22 URL-safe characters, 128 random bits)."""
    return secrets.token_urlsafe(16)


def batch_encounter(key: str | None) -> str:
    """The encounter of lines logged together (a template) under one idempotency key: derived from the
    key, so a retry after a half-logged batch joins the same encounter; a fresh token without a key."""
    if not key:
        return new_encounter()
    return hashlib.sha256(f"batch:{key}".encode()).hexdigest()[:32]


def check_encounter(value: str) -> str:
    """A client's encounter token, checked; ``InvalidInput`` on field ``encounter`` otherwise."""
    if not _ENCOUNTER.match(value):
        raise InvalidInput(
            "encounter", "1 to 32 letters, digits, '-' or '_' (an opaque token)", code="bad_encounter"
        )
    return value


def last_encounter(session: Session, user: User, day: date) -> tuple[bool, str | None]:
    """Whether the user logged a line on ``day``, and the encounter of the latest one (None: legacy)."""
    stmt = (
        select(LogEntry.encounter)
        .where(LogEntry.user_id == user.id, LogEntry.date_of_service == day)
        .order_by(LogEntry.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return (False, None) if row is None else (True, row[0])


def resolve_encounter(
    session: Session, user: User, day: date, encounter: str | None, same_patient: bool
) -> str | None:
    """The encounter of a new line: the given token, the one of the user's latest line on ``day``
    (``same_patient``), else a new one. Joining a line logged before encounters joins its legacy
    (whole-day) group, so that line's price stays what it was."""
    if same_patient and encounter:
        raise InvalidInput(
            "encounter", "give an encounter or ask for the same patient, not both", code="bad_encounter"
        )
    if encounter:
        return check_encounter(encounter)
    if not same_patient:
        return new_encounter()
    found, token = last_encounter(session, user, day)
    if not found:
        raise InvalidInput(
            "same_patient",
            f"nothing is logged on {day.isoformat()} yet: log this line as a new patient",
            code="no_encounter",
        )
    return token


def _check_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not _KEY.match(key):
        raise InvalidInput("idempotency_key", "1 to 64 printable characters without spaces", code="bad_key")
    return key


def _by_key(session: Session, user: User, key: str) -> LogEntry | None:
    """The line stored under ``key``; ``AlreadyDeleted`` when it was stored and then deleted."""
    stmt = select(LogEntry).where(LogEntry.user_id == user.id, LogEntry.idempotency_key == key)
    entry = session.scalars(stmt).first()
    if entry is None and (consumed := session.get(ConsumedKey, (user.id, key))) is not None:
        raise AlreadyDeleted(consumed.entry_id, _deleted_snapshot(session, consumed.entry_id))
    return entry


def _deleted_snapshot(session: Session, entry_id: int) -> dict[str, Any]:
    rows = audit.history(session, "log_entry", entry_id)
    return next((dict(r.before) for r in reversed(rows) if r.action == "delete" and r.before), {})


def _consume_key(session: Session, entry: LogEntry) -> None:
    """Keep the key of a line being deleted, so a late resend of it stores nothing (a key re-used by
    a later import of the same file, then deleted again, points at the latest line)."""
    if entry.idempotency_key is None:
        return
    key = (entry.user_id, entry.idempotency_key)
    consumed = session.get(ConsumedKey, key) or ConsumedKey(user_id=key[0], idempotency_key=key[1])
    consumed.entry_id = entry.id
    consumed.deleted_at = utcnow()
    session.add(consumed)


def create_entry(
    session: Session,
    user: User,
    spec: LineSpec,
    catalog: Catalog,
    *,
    idempotency_key: str | None = None,
    source: str = "web",
    encounter: str | None = None,
    same_patient: bool = False,
) -> LogEntry:
    """Log a line. With an idempotency key, a repeat (double tap, offline retry) returns the first line;
    a repeat after that line was deleted raises ``AlreadyDeleted`` and stores nothing.

    The line is a new encounter, or joins ``encounter`` (a token) or, with ``same_patient``, the
    encounter of the user's latest line on its date (see ``resolve_encounter``).
    """
    key = _check_key(idempotency_key)
    if key is not None and (existing := _by_key(session, user, key)) is not None:
        return existing
    token = resolve_encounter(session, user, spec.date_of_service, encounter, same_patient)
    catalog.check_line(spec, user)
    entry = new_entry(user, spec, key, source, encounter=token)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        # a concurrent request with the same key won the race: answer with its line
        session.rollback()
        existing = _by_key(session, user, key) if key else None
        if existing is None:
            raise
        return existing
    reprice_days(session, user, catalog, {spec.date_of_service})
    audit.record(
        session,
        actor_id=user.id,
        action="create",
        entity="log_entry",
        entity_id=entry.id,
        after=snapshot(entry),
    )
    session.commit()
    return entry


def new_entry(user: User, spec: LineSpec, key: str | None, source: str, *, encounter: str | None) -> LogEntry:
    """A new, not yet priced line object (the caller adds it and then calls ``reprice_days``)."""
    now = utcnow()
    return LogEntry(
        user_id=user.id,
        date_of_service=spec.date_of_service,
        hcpcs=spec.hcpcs,
        modifiers=",".join(spec.modifiers),
        units=spec.units,
        pos=spec.pos,
        encounter=encounter,
        idempotency_key=key,
        source=source,
        created_at=now,
        updated_at=now,
    )


def get_entry(session: Session, user: User, entry_id: int) -> LogEntry:
    """One of the user's lines; ``NotFound`` when it does not exist or is someone else's."""
    return get_owned(session, LogEntry, entry_id, user, "log entry")


def list_entries(
    session: Session,
    user: User,
    *,
    start: date | None = None,
    end: date | None = None,
    hcpcs: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[LogEntry]:
    """The user's lines, newest date first (``start``/``end`` inclusive)."""
    stmt = _filtered(select(LogEntry), user, start, end, hcpcs)
    stmt = stmt.order_by(LogEntry.date_of_service.desc(), LogEntry.id.desc())
    return list(session.scalars(stmt.limit(max(1, min(limit, 10_000))).offset(max(0, offset))))


def entry_ids(
    session: Session,
    user: User,
    *,
    start: date | None = None,
    end: date | None = None,
    hcpcs: str | None = None,
) -> list[int]:
    """The ids of the user's lines behind a dashboard figure (same filters as ``list_entries``)."""
    stmt = _filtered(select(LogEntry.id), user, start, end, hcpcs).order_by(LogEntry.id)
    return list(session.scalars(stmt))


def _filtered(stmt: Any, user: User, start: date | None, end: date | None, hcpcs: str | None) -> Any:
    stmt = stmt.where(LogEntry.user_id == user.id)
    if start is not None:
        stmt = stmt.where(LogEntry.date_of_service >= start)
    if end is not None:
        stmt = stmt.where(LogEntry.date_of_service <= end)
    if hcpcs:
        stmt = stmt.where(LogEntry.hcpcs == hcpcs.strip().upper())
    return stmt


def update_entry(session: Session, user: User, entry_id: int, spec: LineSpec, catalog: Catalog) -> LogEntry:
    """Change one of the user's lines (it keeps its encounter); the audit trail keeps before and after."""
    entry = get_entry(session, user, entry_id)
    before = snapshot(entry)
    catalog.check_line(spec, user)
    old_day = entry.date_of_service
    entry.date_of_service = spec.date_of_service
    entry.hcpcs = spec.hcpcs
    entry.modifiers = ",".join(spec.modifiers)
    entry.units = spec.units
    entry.pos = spec.pos
    entry.updated_at = utcnow()
    session.flush()
    reprice_days(session, user, catalog, {old_day, spec.date_of_service})
    audit.record(
        session,
        actor_id=user.id,
        action="update",
        entity="log_entry",
        entity_id=entry.id,
        before=before,
        after=snapshot(entry),
    )
    session.commit()
    return entry


def delete_entry(session: Session, user: User, entry_id: int, catalog: Catalog) -> None:
    """Delete one of the user's lines; the audit trail keeps what it was, and its idempotency key stays
    consumed (a late resend of it stores nothing)."""
    entry = get_entry(session, user, entry_id)
    before = snapshot(entry)
    day = entry.date_of_service
    _consume_key(session, entry)
    session.delete(entry)
    session.flush()
    reprice_days(session, user, catalog, {day})
    audit.record(
        session, actor_id=user.id, action="delete", entity="log_entry", entity_id=entry_id, before=before
    )
    session.commit()


def entry_history(session: Session, user: User, entry_id: int) -> list[AuditLog]:
    """The audit trail of one of the user's lines (also after deletion); ``NotFound`` for others' lines."""
    entry = session.get(LogEntry, entry_id)
    if entry is not None and entry.user_id != user.id:
        raise NotFound("no such log entry")
    rows = audit.history(session, "log_entry", entry_id)
    # a deleted line exists only in the trail: its creator is the owner
    if entry is None and (not rows or rows[0].actor_id != user.id):
        raise NotFound("no such log entry")
    return rows


def apply_price(entry: LogEntry, price: LinePrice) -> None:
    """Store a price on a line (integers: wRVU in ten-thousandths, allowed in cents)."""
    entry.release = price.release
    entry.wrvu_e4 = None if price.wrvu is None else int(price.wrvu * WRVU_SCALE)
    entry.allowed_cents = None if price.allowed is None else int(price.allowed * 100)
    entry.pricing_note = price.note


def _spec(entry: LogEntry) -> LineSpec:
    return LineSpec(entry.date_of_service, entry.hcpcs, tuple(entry.modifier_list), entry.units, entry.pos)


def encounter_groups(entries: Iterable[LogEntry]) -> list[list[LogEntry]]:
    """The pricing groups of some lines: same date and same encounter (NULL is one legacy group per
    date), each in the order given, the groups in order of their first line."""
    groups: dict[tuple[date, str | None], list[LogEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.date_of_service, entry.encounter), []).append(entry)
    return list(groups.values())


def _price_groups(entries: Iterable[LogEntry], user: User, catalog: Catalog) -> int:
    count = 0
    for group in encounter_groups(entries):
        for entry, price in zip(
            group, catalog.price_day_lenient([_spec(e) for e in group], user), strict=True
        ):
            apply_price(entry, price)
        count += len(group)
    return count


def reprice_days(session: Session, user: User, catalog: Catalog, days: set[date]) -> None:
    """Re-price the lines of some dates, encounter by encounter, and refresh their dashboard totals."""
    for day in days:
        stmt = (
            select(LogEntry)
            .where(LogEntry.user_id == user.id, LogEntry.date_of_service == day)
            .order_by(LogEntry.id)
        )
        _price_groups(session.scalars(stmt), user, catalog)
    totals.refresh_days(session, user.id, days)


def reprice_all(session: Session, user: User, catalog: Catalog) -> int:
    """Re-price every line of the user (after a profile or release change); returns the line count."""
    stmt = select(LogEntry).where(LogEntry.user_id == user.id).order_by(LogEntry.date_of_service, LogEntry.id)
    count = _price_groups(session.scalars(stmt), user, catalog)
    totals.refresh_user(session, user.id)
    session.commit()
    return count


def encounter_marks(entries: Sequence[LogEntry]) -> dict[int, str]:
    """A letter per line that shares its encounter with another of ``entries`` ("A", "B", ... per date,
    in order of appearance); lines alone in their encounter get none. Shows grouping, never patients."""
    marks: dict[int, str] = {}
    per_day: dict[date, int] = {}
    for group in encounter_groups(entries):
        if len(group) < 2:
            continue
        day = group[0].date_of_service
        n = per_day.get(day, 0)
        per_day[day] = n + 1
        letter = chr(ord("A") + n % 26) + (str(n // 26) if n >= 26 else "")
        marks.update((e.id, letter) for e in group)
    return marks


def total_wrvu(entries: Iterable[LogEntry]) -> Decimal:
    """The wRVU sum of some lines (unpriced lines count as 0)."""
    return sum((e.wrvu or Decimal(0) for e in entries), Decimal(0))
