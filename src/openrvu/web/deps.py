"""Request helpers shared by the routes: the database session, who is asking, and page rendering.

Routes declare what they need with the ``Annotated`` aliases below (``DB``, ``CurrentUser``,
``PageUser``, ``ApiUser``), so each route stays a few lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from openrvu.tracker import accounts
from openrvu.tracker.models import User
from openrvu.web.cookies import SESSION_COOKIE, cookie_header
from openrvu.web.services import Services

# Row ids are 63-bit integers in both databases; a larger number is a 422, never an overflow.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SESSION_COOKIE_MAX_AGE = int(accounts.SESSION_MAX_AGE.total_seconds())


class SignInRequired(Exception):
    """A page needs a signed-in user; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def services(request: Request) -> Services:
    """The app's :class:`Services`."""
    return request.app.state.services


def db_session(request: Request) -> Iterator[Session]:
    """One application-database session per request, closed afterwards."""
    with services(request).session_maker() as session:
        yield session


DB = Annotated[Session, Depends(db_session)]


def attached_user(request: Request, db: DB) -> User | None:
    """The user of the session cookie, loaded in the request's own session (so the route may change
    and commit it), or None; kept on ``request.state`` for the page header."""
    token = request.cookies.get(SESSION_COOKIE)
    user = accounts.session_user(db, token) if token else None
    request.state.user = user
    return user


def _session_user(svc: Services, token: str) -> User | None:
    with svc.session_maker() as session:
        return accounts.session_user(session, token)


async def current_user(request: Request) -> User | None:
    """For public pages: the signed-in user (read-only, for the header and defaults), or None.

    Async and without a database session when there is no cookie, so an anonymous code page never
    waits for the thread pool or the application database.
    """
    token = request.cookies.get(SESSION_COOKIE)
    user = await run_in_threadpool(_session_user, services(request), token) if token else None
    request.state.user = user
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]


def page_user(request: Request, user: Annotated[User | None, Depends(attached_user)]) -> User:
    """A signed-in user for a page; anyone else is sent to the sign-in page (and back afterwards)."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return user


PageUser = Annotated[User, Depends(page_user)]


def api_user(request: Request, db: DB) -> User:
    """The caller of a JSON API route: an API token (``Authorization: Bearer``) or a session cookie.

    With an ``Authorization`` header only the token counts (never the cookie): such requests skip the
    CSRF check, so they must not be able to ride on a browser session. Anyone else gets 401.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        user = accounts.token_user(db, token.strip()) if scheme.lower() == "bearer" else None
    else:
        user = accounts.session_user(db, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="sign in or send an API token (Authorization: Bearer orvu_...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = user
    return user


ApiUser = Annotated[User, Depends(api_user)]


def wants_html(request: Request) -> bool:
    """True for browser page requests (not the JSON API)."""
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def csrf_token(request: Request) -> str:
    """The CSRF token the middleware chose for this request (see :mod:`openrvu.web.csrf`)."""
    return str(request.scope.get("state", {}).get("csrf_token", ""))


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with what every page needs (user, CSRF token, release) plus ``context``."""
    from openrvu.web import lookups

    base: dict[str, Any] = {
        "csrf_token": csrf_token(request),
        "user": getattr(request.state, "user", None),
        "errors": {},
        "form": {},
    }
    base.update(context)
    if "release" not in base:
        base["release"] = lookups.latest_release(services(request))
    return request.app.state.templates.TemplateResponse(request, template, base, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (after a POST, the browser follows with a GET)."""
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(next_url: str) -> RedirectResponse:
    """Send the browser to the sign-in page, coming back to ``next_url`` afterwards."""
    return redirect(f"/signin?next={quote(next_url, safe='/')}")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax (and Secure) cookie."""
    value = cookie_header(SESSION_COOKIE, token, request.scope, max_age=SESSION_COOKIE_MAX_AGE)
    response.raw_headers.append((b"set-cookie", value))


def clear_session_cookie(request: Request, response: Response) -> None:
    """Expire the session cookie in the browser."""
    response.raw_headers.append((b"set-cookie", cookie_header(SESSION_COOKIE, "", request.scope, max_age=0)))
