"""Sign-up, sign-in (throttled), sign-out, the profile and API tokens: pages over ``openrvu.tracker``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import accounts, profile
from openrvu.tracker.errors import (
    Forbidden,
    FormErrors,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    SignupClosed,
    TooManyAttempts,
)
from openrvu.tracker.models import User
from openrvu.web import choices, lookups
from openrvu.web.cookies import SESSION_COOKIE
from openrvu.web.deps import (
    DB,
    CurrentUser,
    PageUser,
    RowId,
    clear_session_cookie,
    redirect,
    render,
    services,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=200)]


def _safe_next(target: str) -> str:
    """Only same-site paths: ``next=https://evil.example`` or ``//evil`` would be an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/log"


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, user: CurrentUser) -> Response:
    """The sign-up form."""
    return render(request, "signup.html", {"nav": "signup"})


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    db: DB,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Create the account (the first one becomes admin), sign it in and go to the profile."""
    form = {"email": email}
    try:
        user = accounts.sign_up(db, email, password)
    except InvalidInput as exc:
        return render(
            request, "signup.html", {"form": form, "errors": {exc.field: _sentence(exc.message)}}, 422
        )
    except SignupClosed as exc:
        return render(request, "signup.html", {"form": form, "errors": {"_form": _sentence(str(exc))}}, 403)
    response = redirect("/profile?welcome=1")
    set_session_cookie(request, response, accounts.create_session(db, user))
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, user: CurrentUser, next: str = "") -> Response:
    """The sign-in form."""
    return render(request, "signin.html", {"form": {"next": next}, "nav": "signin"})


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    db: DB,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password (throttled per email and address) and start a server-side session."""
    form = {"email": email, "next": next}
    try:
        user = accounts.sign_in(db, email, password, _client_ip(request))
    except TooManyAttempts as exc:
        minutes = max(1, round(exc.retry_after / 60))
        message = f"Too many failed sign-ins for this email. Wait {minutes} minute(s) and try again."
        throttled = render(request, "signin.html", {"form": form, "errors": {"_form": message}}, 429)
        throttled.headers["Retry-After"] = str(exc.retry_after)
        return throttled
    except InvalidCredentials:
        errors = {"_form": "Wrong email or password."}
        return render(request, "signin.html", {"form": form, "errors": errors}, 401)
    response = redirect(_safe_next(next))
    set_session_cookie(request, response, accounts.create_session(db, user))
    return response


@router.post("/signout")
def signout(request: Request, db: DB) -> Response:
    """Revoke the session in the database (the cookie alone no longer works) and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.revoke_session(db, token)
    response = redirect("/")
    clear_session_cookie(request, response)
    return response


def _sentence(message: str) -> str:
    """Library messages are lower-case clauses; pages show sentences."""
    text = message.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def _profile_form(user: User) -> dict[str, Any]:
    data = profile.profile_dict(user)
    form = {k: ("" if v is None else v) for k, v in data.items() if k != "contract"}
    contract = data["contract"]
    for key, on in contract.get("reduces_wrvu", {}).items():
        form[f"reduces_{key}"] = bool(on)
    form["credit_non_payable"] = bool(contract.get("credit_non_payable", False))
    return form


def _profile_page(
    request: Request,
    db: DB,
    user: User,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    **extra: Any,
) -> Response:
    svc = services(request)
    latest = lookups.latest_release(svc)
    localities = lookups.localities(svc, latest.name if latest else None)
    context = {
        "nav": "profile",
        "form": form,
        "errors": errors,
        "specialty_choices": choices.specialty_choices(),
        "locality_choices": [("", "From the ZIP code (or national)"), *localities],
        "pos_choices": [(code, f"{code} · {name}") for code, name in choices.pos_choices()],
        "reduction_choices": choices.REDUCTION_LABELS,
        "signup_mode": accounts.get_signup_mode(db),
        "tokens": accounts.list_api_tokens(db, user),
        **extra,
    }
    return render(request, "profile.html", context, status_code=status)


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, db: DB, user: PageUser, welcome: str = "") -> Response:
    """The profile form (locality, POS, provider kind, goal, FTE, $ per wRVU, contract switches)."""
    flash = "Welcome! Set your ZIP code and goal, then start logging." if welcome else None
    return _profile_page(request, db, user, _profile_form(user), {}, flash=flash)


@router.post("/profile", response_class=HTMLResponse)
def save_profile(
    request: Request,
    db: DB,
    user: PageUser,
    specialty: Field = "",
    zip_code: Field = "",
    locality: Field = "",
    default_pos: Field = "",
    provider_kind: Field = "",
    dollars_per_wrvu: Field = "",
    annual_wrvu_goal: Field = "",
    fte: Field = "",
    reduces_bilateral: Field = "",
    reduces_multiple_procedure: Field = "",
    reduces_assistant: Field = "",
    reduces_co_surgeon: Field = "",
    reduces_team: Field = "",
    reduces_reduced: Field = "",
    credit_non_payable: Field = "",
) -> Response:
    """Save the profile; a change of locality, provider kind or contract re-prices the user's lines."""
    given = locals()
    fields = {k: given[k] for k in profile.FIELDS if k != "contract"}
    switches = {key: given[f"reduces_{key}"] == "1" for key, _ in choices.REDUCTION_LABELS}
    credit = credit_non_payable == "1"
    changes: dict[str, Any] = {**fields, "contract": {"reduces_wrvu": switches, "credit_non_payable": credit}}
    form: dict[str, Any] = {**fields, "credit_non_payable": credit}
    form.update({f"reduces_{k}": v for k, v in switches.items()})
    try:
        profile.update_profile(db, user, changes, services(request).catalog)
    except InvalidInput as exc:
        raw_errors = exc.errors if isinstance(exc, FormErrors) else {exc.field: exc.message}
        errors = {k: _sentence(v) for k, v in raw_errors.items()}
        if "contract" in errors:
            errors["_form"] = errors.pop("contract")
        return _profile_page(request, db, user, form, errors, 422)
    return _profile_page(request, db, user, _profile_form(user), {}, flash="Profile saved.")


@router.post("/admin/signup-mode")
def signup_mode(db: DB, user: PageUser, signup_mode: Annotated[str, Form(max_length=20)] = "") -> Response:
    """An administrator opens, restricts or closes sign-up."""
    try:
        accounts.set_signup_mode(db, user, signup_mode)
    except Forbidden:
        raise HTTPException(
            status_code=403, detail="Only an administrator can change who may sign up."
        ) from None
    except InvalidInput as exc:
        raise HTTPException(status_code=422, detail=_sentence(exc.message)) from None
    return redirect("/profile")


@router.post("/admin/invite", response_class=HTMLResponse)
def invite(
    request: Request,
    db: DB,
    user: PageUser,
    invite_email: Annotated[str, Form(max_length=300)] = "",
    invite_role: Annotated[str, Form(max_length=20)] = "clinician",
) -> Response:
    """An administrator invites an email (used while sign-up is by invitation)."""
    form = {**_profile_form(user), "invite_email": invite_email, "invite_role": invite_role}
    try:
        accounts.invite(db, user, invite_email, invite_role)
    except Forbidden:
        raise HTTPException(status_code=403, detail="Only an administrator can invite.") from None
    except InvalidInput as exc:
        field = "invite_email" if exc.field == "email" else "invite_role"
        return _profile_page(request, db, user, form, {field: _sentence(exc.message)}, 422)
    return _profile_page(request, db, user, _profile_form(user), {}, flash=f"Invited {invite_email.strip()}.")


@router.post("/profile/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, db: DB, user: PageUser, token_name: Annotated[str, Form(max_length=100)] = "script"
) -> Response:
    """Create an API token and show it once."""
    try:
        _, token = accounts.create_api_token(db, user, token_name)
    except InvalidInput as exc:
        return _profile_page(
            request, db, user, _profile_form(user), {"token_name": _sentence(exc.message)}, 422
        )
    return _profile_page(request, db, user, _profile_form(user), {}, new_token=token)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(db: DB, user: PageUser, token_id: RowId) -> Response:
    """Revoke one of the user's API tokens."""
    try:
        accounts.revoke_api_token(db, user, token_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="No such token.") from None
    return redirect("/profile")
