"""The JSON API over the same libraries as the pages: codes, search, prices and the procedure log.

Money and RVUs are strings with their exact decimals (``"1.30"``), never floats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from openrvu.web import lookups
from openrvu.web.deps import services

router = APIRouter(prefix="/api", tags=["reference"])

CODE_PATTERN = r"^[A-Za-z0-9]{1,5}$"
MODIFIER_PATTERN = r"^[A-Za-z0-9]{0,2}$"


@router.get("/codes/{hcpcs}", summary="One code: the keys of `openrvu code --json`")
def api_code(
    request: Request,
    hcpcs: str,
    modifier: str = Query(
        "", max_length=2, description="Modifier row, e.g. 26 or TC; empty for the global row"
    ),
    release: str | None = Query(None, max_length=20, description="A loaded release, e.g. RVU26C"),
    on_date: date | None = Query(
        None, alias="date", description="Date of service: picks the release in force"
    ),
) -> dict[str, Any]:
    """The reference record of a code with plain language, comparison and history. 404 when unknown,
    with the closest codes."""
    found = lookups.code(services(request), hcpcs, modifier, release=release, on_date=on_date)
    if isinstance(found, lookups.Missing):
        raise HTTPException(status_code=404, detail={"error": found.message, "closest": found.closest})
    return lookups.jsonable(found)  # type: ignore[no-any-return]


@router.get("/search", summary="Search codes by number or in plain words")
def api_search(
    request: Request,
    q: str = Query(..., max_length=10_000, description="A code, a code prefix or words"),
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    """Ranked hits, each with why it matched: `hcpcs`, `modifier`, `description`, `score`, `matched`."""
    hits = lookups.search(services(request), q, limit) if q.strip() else []
    return {"query": q, "hits": [lookups.jsonable(hit) for hit in hits]}
