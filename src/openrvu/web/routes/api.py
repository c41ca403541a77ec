"""The JSON API over the same libraries as the pages: codes, search, prices and the procedure log.

Money and RVUs are strings with their exact decimals (``"1.30"``), never floats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from openrvu.pricing.report import result_json
from openrvu.web import lookups
from openrvu.web.deps import services

router = APIRouter(prefix="/api", tags=["reference"])

CODE_PATTERN = r"^[A-Za-z0-9]{1,5}$"
MODIFIER_PATTERN = r"^[A-Za-z0-9]{0,2}$"


@router.get("/codes/{hcpcs}", summary="One code: the keys of `openrvu code --json`")
async def api_code(
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
    if release and on_date:
        raise HTTPException(status_code=422, detail="give a release or a date of service, not both")
    found = lookups.code(services(request), hcpcs, modifier, release=release, on_date=on_date)
    if isinstance(found, lookups.Missing):
        raise HTTPException(status_code=404, detail={"error": found.message, "closest": found.closest})
    return lookups.jsonable(found)


@router.get("/search", summary="Search codes by number or in plain words")
async def api_search(
    request: Request,
    q: str = Query(..., max_length=10_000, description="A code, a code prefix or words"),
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    """Ranked hits, each with why it matched: `hcpcs`, `modifier`, `description`, `score`, `matched`."""
    hits = lookups.search(services(request), q, limit) if q.strip() else []
    return {"query": q, "hits": [lookups.jsonable(hit) for hit in hits]}


@router.get("/price", summary="Price codes billed together (one encounter)")
def api_price(
    request: Request,
    codes: str = Query(
        ...,
        max_length=500,
        description="CODE[:MOD[:MOD]][xUNITS], space or comma separated: `27447:80 97110x3`",
    ),
    pos: str = Query(..., max_length=4, description="Place of service, e.g. 11 or 22"),
    locality: str = Query("", max_length=20, description="Carrier-locality (01112-05), a ZIP, or `national`"),
    zip: str = Query("", max_length=10, description="ZIP code of the place of service"),
    on_date: date = Query(..., alias="date", description="Date of service (YYYY-MM-DD)"),
    npp: bool = Query(False, description="Billed by an NP/PA/CNS (85%)"),
    nonpar: bool = Query(False, description="Non-participating provider (95%, limiting charge)"),
) -> dict[str, Any]:
    """The CMS allowed amount and wRVU credit of each line, with every rule applied and its source,
    and `warnings`: bundling and coding checks (add-on without primary, E/M beside a procedure, a
    component billed twice, status not payable), `lines` being 1-based line numbers. Warnings never
    change an amount. Bad input (unknown code, modifier, POS, locality, a date with no release)
    answers 422."""
    from openrvu.pricing.errors import PricingError
    from openrvu.pricing.model import LineInput, Provider
    from openrvu.pricing.service import parse_code

    where = zip.strip() or locality.strip()
    if not where:
        raise HTTPException(status_code=422, detail="give a locality (carrier-locality or national) or a ZIP")
    tokens = [t for t in codes.replace(",", " ").split() if t]
    if not 1 <= len(tokens) <= 20:
        raise HTTPException(status_code=422, detail="give 1 to 20 codes")
    try:
        lines = [LineInput(c.hcpcs, c.modifiers, c.units, pos) for c in map(parse_code, tokens)]
        pricing = services(request).catalog.pricing
        result = pricing.price(lines, on=on_date, locality=where, provider=Provider(npp, not nonpar))
    except PricingError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return result_json(result, pricing.coding_warnings(lines, on=on_date))
