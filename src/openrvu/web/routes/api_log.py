"""The procedure log over JSON (``/api/log``): a session cookie or an API token, else 401.

The same tracker services as the pages: a POST with an ``idempotency_key`` is safe to retry (an
offline outbox can resend it), another user's line id answers 404. A created line is a new encounter
unless it names one (``encounter``, an opaque token of the caller's, returned on every line) or asks
for ``same_patient`` (the encounter of the caller's latest line on that date): the lines of one
encounter are priced together (multiple-procedure ranking, bilateral pairs).

Lines created here are stored with source ``api``, except those the log page's offline outbox
(``static/outbox.js``) resends: it marks them with the ``X-OpenRVU-Outbox: 1`` header, and they were
typed in the browser, so they are stored as ``web`` like the form's. The header counts only on a
request signed in by the session cookie, which passed the CSRF check (its token is on the app's own
pages); an API token client sending it still stores ``api``, so the source keeps telling them apart.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from openrvu.tracker import entries
from openrvu.tracker.errors import AlreadyDeleted, FormErrors, InvalidInput, NotFound
from openrvu.web import lookups
from openrvu.web.deps import DB, ApiUser, RowId, services

router = APIRouter(prefix="/api/log", tags=["log"])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No session cookie and no valid API token"}
}


#: Sent by the log page's outbox with the entries it resends (see the module docstring).
OUTBOX_HEADER = "x-openrvu-outbox"


def _source(request: Request) -> str:
    """``web`` for an entry the log page's outbox resends, ``api`` for every other caller."""
    # no Authorization header: ``api_user`` signed the caller in by the session cookie, and the CSRF
    # middleware let the request through only with the token of a page the app served
    from_page = request.headers.get("authorization") is None
    return "web" if from_page and request.headers.get(OUTBOX_HEADER) == "1" else "api"


class LineIn(BaseModel):
    """A log line to store. No patient data: date, code, modifiers, units and place of service only."""

    date_of_service: str = Field(..., max_length=20, examples=["2026-11-27"])
    hcpcs: str = Field(..., max_length=10, examples=["99213"])
    modifiers: list[str] = Field(default_factory=list, max_length=4, examples=[["25"]])
    units: int = Field(1, ge=1, le=999)
    pos: str | None = Field(None, max_length=4, examples=["11"])
    idempotency_key: str | None = Field(
        None, max_length=64, description="Retry-safe key: a repeat returns the same line"
    )
    encounter: str | None = Field(
        None,
        max_length=64,
        description="Opaque token (1-32 of A-Z a-z 0-9 - _) grouping lines of one patient on a date; "
        "make it up (random), never a patient, chart or EHR encounter number. Absent: a new encounter",
        examples=["k3f9Q2"],
    )
    same_patient: bool = Field(
        False, description="Join the encounter of your latest line on that date (not with encounter)"
    )


def _line_json(entry: Any) -> dict[str, Any]:
    return lookups.entry_json(entry) | {"encounter": entry.encounter}


def _two_places(value: Any) -> str | None:
    return None if value is None else f"{Decimal(str(value)):.2f}"


def _deleted_json(exc: AlreadyDeleted) -> dict[str, Any]:
    """A resend of a line that was deleted: the line as it was when deleted (same fields as a line,
    from the audit trail), marked ``deleted`` with the reason in ``detail``."""
    line = exc.line
    fields = ("date_of_service", "hcpcs", "modifiers", "units", "pos", "release", "encounter")
    return (
        {"id": exc.entry_id}
        | {name: line.get(name) for name in fields}
        | {"wrvu": _two_places(line.get("wrvu")), "allowed": _two_places(line.get("allowed"))}
        | {"deleted": True, "detail": exc.message}
    )


def _invalid(exc: InvalidInput) -> HTTPException:
    errors = exc.errors if isinstance(exc, FormErrors) else {exc.field: exc.message}
    return HTTPException(status_code=422, detail={"errors": errors})


@router.get("", summary="The caller's log lines, newest first", responses=UNAUTHORIZED)
def list_lines(
    db: DB,
    user: ApiUser,
    start: date | None = None,
    end: date | None = None,
    hcpcs: str | None = Query(None, max_length=10),
    limit: int = Query(100, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Lines between ``start`` and ``end`` (inclusive), optionally of one code."""
    rows = entries.list_entries(db, user, start=start, end=end, hcpcs=hcpcs, limit=limit, offset=offset)
    return {"lines": [_line_json(e) for e in rows]}


RESENT_DELETED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A resend of an idempotency key whose line was since deleted: nothing is stored; "
        'the line as it was, with "deleted": true and "detail": "already received; the line was deleted"'
    }
}


@router.post(
    "",
    summary="Log a line (idempotent with a key)",
    status_code=201,
    responses=UNAUTHORIZED | RESENT_DELETED,
)
def create_line(request: Request, db: DB, user: ApiUser, line: LineIn) -> Any:
    """Store a line priced by the pricing engine; 422 names each bad field. A repeated key answers
    the line it stored (201), or 200 ``deleted`` when that line was deleted since."""
    try:
        spec = entries.parse_entry(
            user, entries.EntryForm(line.date_of_service, line.hcpcs, line.modifiers, line.units, line.pos)
        )
        entry = entries.create_entry(
            db,
            user,
            spec,
            services(request).catalog,
            idempotency_key=line.idempotency_key,
            source=_source(request),
            encounter=line.encounter or None,
            same_patient=line.same_patient,
        )
    except InvalidInput as exc:
        raise _invalid(exc) from None
    except AlreadyDeleted as exc:
        return JSONResponse(_deleted_json(exc), status_code=200)
    return JSONResponse(_line_json(entry), status_code=201)


@router.get("/{entry_id}", summary="One of the caller's lines", responses=UNAUTHORIZED)
def get_line(db: DB, user: ApiUser, entry_id: RowId) -> dict[str, Any]:
    """A line of the caller; another user's line answers 404."""
    try:
        return _line_json(entries.get_entry(db, user, entry_id))
    except NotFound:
        raise HTTPException(status_code=404, detail="no such log line") from None


@router.delete(
    "/{entry_id}", summary="Delete one of the caller's lines", status_code=204, responses=UNAUTHORIZED
)
def delete_line(request: Request, db: DB, user: ApiUser, entry_id: RowId) -> None:
    """Delete a line (kept in the audit trail); another user's line answers 404."""
    try:
        entries.delete_entry(db, user, entry_id, services(request).catalog)
    except NotFound:
        raise HTTPException(status_code=404, detail="no such log line") from None
