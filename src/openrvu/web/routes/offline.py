"""The service worker at ``/sw.js``: it must be served from the site root so its scope covers ``/log``.

The script's ``VERSION`` line is stamped with a digest of the static files, so any change to the app
shell (CSS, JS, icons) makes browsers install a new worker, which drops the old caches. The response
is ``no-cache``: browsers revalidate the worker on every visit instead of keeping a stale one.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SW_FILE = STATIC_DIR / "sw.js"
VERSION_LINE = 'const VERSION = "dev";'


@lru_cache(maxsize=1)
def service_worker_script() -> str:
    """``sw.js`` with its version stamped from the digest of every static file (computed once per process)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    script = SW_FILE.read_text(encoding="utf-8")
    if VERSION_LINE not in script:
        raise RuntimeError(f"{SW_FILE}: the line {VERSION_LINE!r} is missing")
    return script.replace(VERSION_LINE, f'const VERSION = "{digest.hexdigest()[:16]}";', 1)


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker script, for the whole site (``Service-Worker-Allowed: /``)."""
    return Response(
        service_worker_script(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )
