"""Cookie names and flags shared by the session and CSRF code."""

from __future__ import annotations

from starlette.types import Scope

SESSION_COOKIE = "openrvu_session"
CSRF_COOKIE = "openrvu_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


def cookie_secure(scope: Scope) -> bool:
    """``Secure`` everywhere except plain http on a loopback host (a browser would drop the cookie)."""
    if scope.get("scheme") == "https":
        return True
    host = ""
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1")
            host = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host.split(":")[0]
            break
    return host not in _LOOPBACK


def cookie_header(name: str, value: str, scope: Scope, max_age: int | None = None) -> bytes:
    """A ``Set-Cookie`` value with ``HttpOnly``, ``SameSite=Lax``, ``Path=/`` and ``Secure`` as above."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if cookie_secure(scope):
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")
