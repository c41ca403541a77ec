"""Groups: an admin creates groups and places members; a manager sees the members' totals and the
group dashboard; a clinician sees only their own lines (a group they do not manage answers 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import accounts, groups
from openrvu.tracker.errors import Forbidden, InvalidInput, NotFound
from openrvu.tracker.models import User
from openrvu.web import charts
from openrvu.web.deps import DB, PageUser, RowId, redirect, render
from openrvu.web.routes.dashboard import BUCKET_WORDS, PERIOD_LABELS

router = APIRouter(include_in_schema=False)


def _groups_page(
    request: Request, db: DB, user: User, errors: dict[str, str], form: dict[str, str], status: int
) -> Response:
    context = {
        "nav": "groups",
        "groups": groups.list_groups(db, user),
        "errors": errors,
        "form": form,
        "users": accounts.list_users(db, user) if user.role == "admin" else [],
    }
    return render(request, "groups.html", context, status_code=status)


@router.get("/groups", response_class=HTMLResponse)
def groups_page(request: Request, db: DB, user: PageUser) -> Response:
    """The groups the user administers or manages."""
    return _groups_page(request, db, user, {}, {}, 200)


@router.post("/groups", response_class=HTMLResponse)
def create_group(
    request: Request, db: DB, user: PageUser, name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """An admin creates a group."""
    try:
        group = groups.create_group(db, user, name)
    except Forbidden:
        raise HTTPException(status_code=403, detail="Only an administrator can create groups.") from None
    except InvalidInput as exc:
        message = exc.message[:1].upper() + exc.message[1:] + "."
        return _groups_page(request, db, user, {"name": message}, {"name": name}, 422)
    return redirect(f"/groups/{group.id}")


@router.post("/groups/{group_id:int}/members")
def add_member(
    db: DB,
    user: PageUser,
    group_id: RowId,
    user_id: Annotated[int, Form()],
    role: Annotated[str, Form(max_length=20)] = "clinician",
) -> Response:
    """An admin adds a user to a group (as manager or clinician)."""
    try:
        groups.add_member(db, user, group_id, user_id, role)
    except Forbidden:
        raise HTTPException(status_code=403, detail="Only an administrator can manage groups.") from None
    except NotFound:
        raise HTTPException(status_code=404, detail="No such group or user.") from None
    except InvalidInput as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None
    return redirect(f"/groups/{group_id}")


@router.get("/groups/{group_id:int}", response_class=HTMLResponse)
def group_page(request: Request, db: DB, user: PageUser, group_id: RowId, period: str = "month") -> Response:
    """The group dashboard: per-member totals against FTE-prorated targets, and the group series."""
    try:
        board = groups.group_dashboard(
            db, user, group_id, period=period if period in BUCKET_WORDS else "month"
        )
    except NotFound:
        raise HTTPException(status_code=404, detail="No such group.") from None
    buckets = [
        {
            "label": b.label,
            "wrvu": float(b.figures.wrvu),
            "allowed": float(b.figures.allowed),
            "lines": b.figures.lines,
        }
        for b in board.series
    ]
    context = {
        "nav": "groups",
        "board": board,
        "period": board.period,
        "periods": PERIOD_LABELS,
        "series_spec": charts.series_spec(buckets, BUCKET_WORDS[board.period]),
        "users": accounts.list_users(db, user) if user.role == "admin" else [],
    }
    return render(request, "group.html", context)
