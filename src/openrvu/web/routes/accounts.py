"""Sign-up, sign-in (throttled), sign-out and the profile: pages over ``openrvu.tracker.accounts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import accounts
from openrvu.tracker.errors import InvalidCredentials, InvalidInput, SignupClosed, TooManyAttempts
from openrvu.web.cookies import SESSION_COOKIE
from openrvu.web.deps import (
    DB,
    CurrentUser,
    clear_session_cookie,
    redirect,
    render,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


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
        response = render(request, "signin.html", {"form": form, "errors": {"_form": message}}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
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
