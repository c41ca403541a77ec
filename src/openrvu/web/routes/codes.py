"""Public code reference pages: home with search-as-you-type, one page per code, payment by locality."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from openrvu.web import benchmarks, lookups
from openrvu.web.deps import CurrentUser, render, services

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 12


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, user: CurrentUser) -> Response:
    """The home page: a search box that answers while typing."""
    return render(request, "home.html", {"q": "", "hits": [], "nav": "codes"})


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request, user: CurrentUser, q: str = Query("", max_length=10_000), mode: str = ""
) -> Response:
    """Search results: a fragment for htmx (``HX-Request``), else the home page with the results."""
    hits = lookups.search(services(request), q, SEARCH_LIMIT) if q.strip() else []
    if request.headers.get("hx-request"):
        template = "pick_results.html" if mode == "pick" else "search_results.html"
        return render(request, template, {"q": q, "hits": hits})
    return render(request, "home.html", {"q": q, "hits": hits, "nav": "codes"})


@router.get("/codes/{hcpcs}/payment", response_class=HTMLResponse)
async def payment_fragment(
    request: Request,
    hcpcs: str,
    modifier: str = "",
    locality: str = Query("", max_length=20),
    zip: str = Query("", max_length=20),
) -> Response:
    """The payment card of a code at a locality or ZIP (facility and non-facility), for htmx."""
    result = lookups.payment(services(request), hcpcs, modifier, locality=locality, zip_code=zip)
    return render(
        request, "payment.html", {"pay": result, "hcpcs": hcpcs.upper(), "modifier": modifier.upper()}
    )


@router.get("/codes/{hcpcs}", response_class=HTMLResponse)
async def code_page(request: Request, user: CurrentUser, hcpcs: str, release: str | None = None) -> Response:
    """The page of a code's global row (no modifier)."""
    return _code_page(request, hcpcs, "", release)


@router.get("/codes/{hcpcs}/{modifier}", response_class=HTMLResponse)
async def code_modifier_page(
    request: Request, user: CurrentUser, hcpcs: str, modifier: str, release: str | None = None
) -> Response:
    """The page of one modifier row of a code (e.g. ``/codes/70557/26``)."""
    return _code_page(request, hcpcs, modifier, release)


def _code_page(request: Request, hcpcs: str, modifier: str, release: str | None) -> Response:
    svc = services(request)
    found = lookups.code(svc, hcpcs, modifier, release=release)
    if isinstance(found, lookups.Missing):
        return render(
            request,
            "code_missing.html",
            {"hcpcs": hcpcs.upper(), "modifier": modifier.upper(), "missing": found},
            status_code=404,
        )
    info: dict[str, Any] = found
    context = {
        "info": info,
        "indicators": lookups.indicator_rows(info),
        "locality_options": _options(svc.locality_options(str(info.get("release"))), _user_locality(request)),
        "default_locality": _user_locality(request),
        "nav": "codes",
        "release": lookups.release_of(svc, info.get("release")),
        "national": benchmarks.code_national(svc.benchmarks(), str(info["hcpcs"])),
    }
    return render(request, "code.html", context)


def _options(options: str, chosen: str) -> Markup:
    """The cached locality options with the user's locality selected."""
    if chosen and chosen != lookups.NATIONAL:
        options = options.replace(f'value="{escape(chosen)}"', f'value="{escape(chosen)}" selected', 1)
    return Markup(options)


def _user_locality(request: Request) -> str:
    """The signed-in user's locality (or ZIP) for the payment card, else national."""
    user = getattr(request.state, "user", None)
    return (user.locality or user.zip_code or lookups.NATIONAL) if user else lookups.NATIONAL
