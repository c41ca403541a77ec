"""The procedure log (signed in): phone-first entry, edit, delete, favourites and templates.

The pages are adapters over ``openrvu.tracker`` (entries, shortcuts): the form is parsed by
``parse_entry``, priced and stored by ``create_entry``; every tracker error is shown next to its field
with what the user chose kept. Each rendered form carries a fresh idempotency key, so submitting the
same form twice (double tap, retry on bad wifi) stores one line.

Each line is a new encounter (patient) unless "same patient as my last line" is ticked: then it is
priced with the user's latest line of that date (``entries.resolve_encounter``). A template's codes are
one encounter; an edit keeps the line's encounter. Lines that share one carry a small letter.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import entries, shortcuts
from openrvu.tracker import warnings as coding
from openrvu.tracker.errors import AlreadyDeleted, FormErrors, InvalidInput, NotFound
from openrvu.tracker.models import LogEntry, User
from openrvu.web import choices, lookups
from openrvu.web.deps import DB, PageUser, RowId, redirect, render, services
from openrvu.web.templating import rvu

router = APIRouter(include_in_schema=False)

LATEST_LINES = 20
PICK_LIMIT = 8

Text = Annotated[str, Form(max_length=200)]


def _form_values(user: User, **given: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "hcpcs": "",
        "modifiers": [],
        "units": 1,
        "date_of_service": date.today().isoformat(),
        "pos": user.default_pos,
    }
    values.update({k: v for k, v in given.items() if v is not None})
    return values


def _entry_context(form: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "nav": "log",
        "form": form,
        "modifier_choices": _modifier_choices(form.get("modifiers", [])),
        "pos_choices": choices.pos_choices(),
        **extra,
    }


def _modifier_choices(chosen: list[str]) -> list[str]:
    """The one-tap modifiers plus any other the line already carries (so an edit never drops one)."""
    return list(choices.LOG_MODIFIERS) + [m for m in chosen if m not in choices.LOG_MODIFIERS]


def _log_page(
    request: Request, db: DB, user: User, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    recent = shortcuts.recent_codes(db, user, limit=8)
    lines = entries.list_entries(db, user, limit=LATEST_LINES)
    templates = shortcuts.list_templates(db, user)
    context = _entry_context(
        form,
        errors=errors,
        action="/log",
        submit_label="Log it",
        idempotency_key=form.get("idempotency_key") or uuid.uuid4().hex,
        favourites=shortcuts.list_favourites(db, user),
        recent=[{"hcpcs": r.hcpcs, "modifiers": ",".join(r.modifiers)} for r in recent],
        templates=[{"t": t, "key": uuid.uuid4().hex} for t in templates],
        lines=lines,
        marks=entries.encounter_marks(lines),
        warnings=coding.line_warnings(db, user, services(request).catalog, lines),
        flash=_flash(db, user, request.query_params.get("added"))
        or _imported(request.query_params.get("imported"))
        or _resent(request.query_params.get("resent")),
    )
    return render(request, "log.html", context, status_code=status)


def _flash(db: DB, user: User, added: str | None) -> str | None:
    if not added or not added.isdigit():
        return None
    try:
        entry = entries.get_entry(db, user, int(added))
    except NotFound:
        return None
    return f"Logged {label(entry)}" + (f": {rvu(entry.wrvu)} wRVU" if entry.wrvu is not None else "")


def _imported(count: str | None) -> str | None:
    return f"Imported {int(count)} line(s)." if count and count.isdigit() else None


def _resent(what: str | None) -> str | None:
    return (
        "Already received; the line was deleted, so it was not logged again." if what == "deleted" else None
    )


def label(entry: LogEntry) -> str:
    """``99213-25 ×2`` style label of a line."""
    mods = "".join(f"-{m}" for m in entry.modifier_list)
    return f"{entry.hcpcs}{mods}" + (f" ×{entry.units}" if entry.units > 1 else "")


@router.get("/log", response_class=HTMLResponse)
def log_page(request: Request, db: DB, user: PageUser) -> Response:
    """The entry form with favourites, recent codes, templates and the latest lines."""
    return _log_page(request, db, user, _form_values(user), {})


@router.get("/log/suggest", response_class=HTMLResponse)
def suggest(request: Request, user: PageUser, hcpcs: str = Query("", max_length=200)) -> Response:
    """Type-ahead for the code field (a fragment of buttons that fill the form)."""
    hits = lookups.search(services(request), hcpcs, PICK_LIMIT) if hcpcs.strip() else []
    return render(request, "pick_results.html", {"q": hcpcs, "hits": hits})


def _spec(user: User, form: dict[str, Any]) -> Any:
    return entries.parse_entry(
        user,
        entries.EntryForm(
            form["date_of_service"], form["hcpcs"], form["modifiers"], form["units"], form["pos"] or None
        ),
    )


def _errors(exc: InvalidInput) -> dict[str, str]:
    raw = exc.errors if isinstance(exc, FormErrors) else {exc.field: exc.message}
    return {field: _sentence(message) for field, message in raw.items()}


def _sentence(message: str) -> str:
    text = message.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


@router.post("/log", response_class=HTMLResponse)
def log_line(
    request: Request,
    db: DB,
    user: PageUser,
    hcpcs: Text = "",
    modifiers: Annotated[list[str] | None, Form(max_length=8)] = None,
    units: Text = "1",
    date_of_service: Text = "",
    pos: Text = "",
    idempotency_key: Annotated[str, Form(max_length=64)] = "",
    same_patient: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Store one line (or return the line this idempotency key already stored): a new encounter, or
    with ``same_patient`` the encounter of the user's latest line on its date."""
    form = _form_values(
        user,
        hcpcs=hcpcs,
        modifiers=[m.strip().upper() for m in modifiers or [] if m.strip()],
        units=units,
        date_of_service=date_of_service,
        pos=pos,
        idempotency_key=idempotency_key,
        same_patient=bool(same_patient),
    )
    try:
        entry = entries.create_entry(
            db,
            user,
            _spec(user, form),
            services(request).catalog,
            idempotency_key=idempotency_key or None,
            same_patient=form["same_patient"],
        )
    except InvalidInput as exc:
        return _log_page(request, db, user, form, _errors(exc), status=422)
    except AlreadyDeleted:
        return redirect("/log?resent=deleted")  # the form sent again after its line was deleted
    return redirect(f"/log?added={entry.id}")


def _owned(db: DB, user: User, entry_id: int) -> LogEntry:
    try:
        return entries.get_entry(db, user, entry_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such log line.") from None


def _edit_page(
    request: Request,
    db: DB,
    user: User,
    entry_id: RowId,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> Response:
    context = _entry_context(
        form,
        errors=errors,
        action=f"/log/{entry_id}",
        submit_label="Save changes",
        idempotency_key=None,
        favourites=[],
        recent=[],
        entry_id=entry_id,
        history=entries.entry_history(db, user, entry_id),
        together=_together(db, user, entry_id),
    )
    return render(request, "log_edit.html", context, status_code=status)


def _together(db: DB, user: User, entry_id: int) -> int:
    """How many other lines are priced with this one (same date and encounter), for the edit page."""
    entry = _owned(db, user, entry_id)
    day = entries.list_entries(db, user, start=entry.date_of_service, end=entry.date_of_service, limit=10_000)
    return sum(1 for e in day if e.id != entry.id and e.encounter == entry.encounter)


@router.get("/log/{entry_id:int}/edit", response_class=HTMLResponse)
def edit_page(request: Request, db: DB, user: PageUser, entry_id: RowId) -> Response:
    """Edit one of the user's lines (another user's line answers 404)."""
    entry = _owned(db, user, entry_id)
    form = _form_values(
        user,
        hcpcs=entry.hcpcs,
        modifiers=entry.modifier_list,
        units=entry.units,
        date_of_service=entry.date_of_service.isoformat(),
        pos=entry.pos,
    )
    return _edit_page(request, db, user, entry_id, form, {}, 200)


@router.post("/log/{entry_id:int}", response_class=HTMLResponse)
def update_line(
    request: Request,
    db: DB,
    user: PageUser,
    entry_id: RowId,
    hcpcs: Text = "",
    modifiers: Annotated[list[str] | None, Form(max_length=8)] = None,
    units: Text = "1",
    date_of_service: Text = "",
    pos: Text = "",
) -> Response:
    """Save an edited line; the audit trail keeps it before and after."""
    _owned(db, user, entry_id)
    form = _form_values(
        user,
        hcpcs=hcpcs,
        modifiers=[m.strip().upper() for m in modifiers or [] if m.strip()],
        units=units,
        date_of_service=date_of_service,
        pos=pos,
    )
    try:
        entries.update_entry(db, user, entry_id, _spec(user, form), services(request).catalog)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such log line.") from None
    except InvalidInput as exc:
        return _edit_page(request, db, user, entry_id, form, _errors(exc), 422)
    return redirect(f"/log?added={entry_id}")


@router.post("/log/{entry_id:int}/delete")
def delete_line(request: Request, db: DB, user: PageUser, entry_id: RowId) -> Response:
    """Delete one of the user's lines (kept in the audit trail)."""
    try:
        entries.delete_entry(db, user, entry_id, services(request).catalog)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such log line.") from None
    return redirect("/log")


@router.post("/log/templates/{template_id:int}")
def log_template(
    request: Request,
    db: DB,
    user: PageUser,
    template_id: RowId,
    date_of_service: Text = "",
    pos: Text = "",
    idempotency_key: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Log every code of a template on the chosen date, as one encounter."""
    try:
        day = date.fromisoformat(date_of_service) if date_of_service else date.today()
        lines = shortcuts.log_template(
            db,
            user,
            template_id,
            day,
            services(request).catalog,
            pos=pos or None,
            idempotency_key=idempotency_key or None,
        )
    except NotFound:
        raise HTTPException(status_code=404, detail="No such template.") from None
    except ValueError:
        return _log_page(
            request, db, user, _form_values(user), {"date_of_service": "Enter the date as YYYY-MM-DD."}, 422
        )
    except InvalidInput as exc:
        return _log_page(request, db, user, _form_values(user), {"_form": _sentence(str(exc))}, 422)
    return redirect(f"/log?added={lines[-1].id}" if lines else "/log")


@router.post("/log/templates")
def save_template(request: Request, db: DB, user: PageUser, day: Text = "") -> Response:
    """Save the lines of the latest encounter of a day (one patient's visit) as a template, named after
    its codes (no free text)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise HTTPException(status_code=422, detail="Choose a day as YYYY-MM-DD.") from None
    found, encounter = entries.last_encounter(db, user, when)
    if not found:
        raise HTTPException(status_code=404, detail="Nothing was logged on that day.")
    day_lines = entries.list_entries(db, user, start=when, end=when, limit=10_000)
    lines = sorted((e for e in day_lines if e.encounter == encounter), key=lambda e: e.id)[:20]
    name = " + ".join(label(e) for e in lines)[:100]
    items = [shortcuts.TemplateLine(e.hcpcs, e.modifier_list, e.units) for e in lines]
    try:
        shortcuts.create_template(db, user, name, items, services(request).catalog)
    except InvalidInput as exc:
        return _log_page(request, db, user, _form_values(user), {"_form": _sentence(str(exc))}, 422)
    return redirect("/log")


@router.post("/log/templates/{template_id:int}/delete")
def delete_template(db: DB, user: PageUser, template_id: RowId) -> Response:
    """Delete one of the user's templates."""
    try:
        shortcuts.delete_template(db, user, template_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such template.") from None
    return redirect("/log")


@router.post("/log/favourites")
def add_favourite(
    request: Request, db: DB, user: PageUser, hcpcs: Text = "", modifiers: Text = ""
) -> Response:
    """Pin a code (with modifiers) to the favourites."""
    try:
        shortcuts.add_favourite(db, user, hcpcs, modifiers, services(request).catalog)
    except InvalidInput:
        raise HTTPException(status_code=422, detail="That is not a code that can be pinned.") from None
    return redirect("/log")


@router.post("/log/favourites/{favourite_id:int}/delete")
def remove_favourite(db: DB, user: PageUser, favourite_id: RowId) -> Response:
    """Unpin a favourite."""
    try:
        shortcuts.remove_favourite(db, user, favourite_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such favourite.") from None
    return redirect("/log")


@router.post("/log/favourites/{favourite_id:int}/up")
def favourite_up(db: DB, user: PageUser, favourite_id: RowId) -> Response:
    """Move a favourite one place up."""
    ids = [f.id for f in shortcuts.list_favourites(db, user)]
    if favourite_id not in ids:
        raise HTTPException(status_code=404, detail="No such favourite.")
    i = ids.index(favourite_id)
    if i > 0:
        ids[i - 1], ids[i] = ids[i], ids[i - 1]
        shortcuts.reorder_favourites(db, user, ids)
    return redirect("/log")


@router.get("/lines", response_class=HTMLResponse)
def lines_page(
    request: Request,
    db: DB,
    user: PageUser,
    start: str = Query("", max_length=10),
    end: str = Query("", max_length=10),
    hcpcs: str = Query("", max_length=5),
) -> Response:
    """The lines behind a dashboard figure (a date range, optionally one code): every number is traceable."""
    try:
        lo = date.fromisoformat(start) if start else None
        hi = date.fromisoformat(end) if end else None
    except ValueError:
        raise HTTPException(status_code=422, detail="Dates are YYYY-MM-DD.") from None
    rows = entries.list_entries(db, user, start=lo, end=hi, hcpcs=hcpcs or None, limit=1000)
    context = {
        "nav": "dashboard",
        "lines": rows,
        "marks": entries.encounter_marks(rows),
        "warnings": coding.line_warnings(db, user, services(request).catalog, rows),
        "total": entries.total_wrvu(rows),
        "start": lo,
        "end": hi,
        "hcpcs": hcpcs.upper(),
    }
    return render(request, "lines.html", context)
