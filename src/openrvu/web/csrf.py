"""CSRF protection for every state change: a double-submit token.

Every response to a browser without the ``openrvu_csrf`` cookie sets one (random, 32 bytes). Pages put
the same value in each form (``csrf_token`` field) and in the ``X-CSRF-Token`` header that htmx sends.
A POST, PUT, PATCH or DELETE must carry the cookie and a matching field or header, else it gets 403
before reaching any route. Requests with an ``Authorization`` header are API-token clients: a
browser never adds that header on a cross-site request, and the token dependency then authenticates
them by the header alone (never by a cookie), so they need no CSRF token.
"""

from __future__ import annotations

import hmac
import json
import secrets
from http.cookies import SimpleCookie

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openrvu.web.cookies import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, cookie_header

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_MAX_BODY = 20 * 1024 * 1024  # imports are the largest bodies; anything bigger is refused


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookie
                return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


class CSRFMiddleware:
    """Sets the CSRF cookie and rejects unsafe requests without a matching token (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_token = _cookies(scope).get(CSRF_COOKIE, "")
        fresh = len(cookie_token) < 32
        token = secrets.token_urlsafe(32) if fresh else cookie_token
        scope.setdefault("state", {})["csrf_token"] = token

        if scope["method"] in _UNSAFE and _header(scope, b"authorization") is None:
            sent = _header(scope, CSRF_HEADER.encode())
            body = b""
            if sent is None:
                body, too_big = await _read_body(receive)
                if too_big:
                    await _reject(scope, send, 413, "The request body is too large.")
                    return
                sent = await _token_from_body(scope, body)
                receive = _replay(body)
            if fresh or not sent or not hmac.compare_digest(sent.encode(), cookie_token.encode()):
                await _reject(
                    scope,
                    send,
                    403,
                    "CSRF check failed: the form's security token is missing or does not match. "
                    "Reload the page and try again.",
                )
                return

        if not fresh:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", cookie_header(CSRF_COOKIE, token, scope)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _token_from_body(scope: Scope, body: bytes) -> str | None:
    content_type = (_header(scope, b"content-type") or "").lower()
    if not (
        content_type.startswith("application/x-www-form-urlencoded") or "multipart/form-data" in content_type
    ):
        return None
    request = Request(scope, _replay(body))
    try:
        form = await request.form()
    except Exception:  # an unparseable form has no token; the request is rejected below
        return None
    try:
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


async def _reject(scope: Scope, send: Send, status: int, message: str) -> None:
    accept = (_header(scope, b"accept") or "").lower()
    if "text/html" in accept:
        body = (
            "<!doctype html><meta charset=utf-8><title>Request refused</title>"
            f"<p style='font:16px system-ui;margin:2rem'>{message} <a href='/'>Home</a></p>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"detail": message}).encode()
        content_type = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
