"""The planner pages ("Planner", "Compare offers") and their JSON API, over ``openrvu.pricing.planner``.

The pages work signed out; signed in, the user's own log and profile fill the form (wRVU done this
year, goal prorated by FTE, weeks left, top codes, $ per wRVU and credit switches; the expected annual
wRVU of the offers from the log annualised per FTE). A form posted by htmx (``HX-Request``) gets the
page's main part back with status 200, so htmx swaps it in, errors and all; a plain post gets the whole
page (422 with errors next to the fields).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from openrvu.pricing import job_offers, planner
from openrvu.pricing.contract import Contract, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.tracker import dashboard as dash
from openrvu.tracker.catalog import NATIONAL, Catalog
from openrvu.tracker.models import User, utcnow
from openrvu.web.deps import DB, attached_user, render, services

router = APIRouter()

MaybeUser = Annotated[User | None, Depends(attached_user)]
OFFER_SLOTS = 4
OFFER_FIELDS = (
    "name",
    "base_salary",
    "dollars_per_wrvu",
    "threshold",
    "tiers",
    "signing_bonus",
    "annual_bonus",
    "fte",
    "wrvu_target",
)
PLAN_FIELDS = (
    "target_kind",
    "target",
    "done",
    "weeks",
    "days_per_week",
    "codes",
    "dollars_per_wrvu",
    "threshold",
    "tiers",
    "bonus",
)
MAX_FIELD = 500
LIMIT = float(planner.LIMIT)  # Query bounds are floats; every figure is checked again as a Decimal
#: The form field an error of the planner belongs to.
PLAN_ERROR_FIELD = {
    "target_wrvu": "target",
    "target_pay": "target",
    "clinic_days": "weeks",
    "hcpcs": "codes",
    "modifiers": "codes",
    "units": "codes",
    "date": "codes",
}


def _whole(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _today() -> date:
    return utcnow().date()


def _weeks_left(today: date) -> str:
    days = (date(today.year, 12, 31) - today).days + 1
    return str((Decimal(days) / 7).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _awaiting_note(waiting: int, year: int) -> str:
    """Why the year so far is 0: its lines wait unpriced for the year's CMS release."""
    lines = "1 line" if waiting == 1 else f"{waiting:,} lines"
    return f"Your log has {lines} this year waiting for the {year} CMS release (not loaded yet)"


def _plan_defaults(db: DB, user: User | None, catalog: Catalog) -> tuple[dict[str, str], list[str]]:
    """The planner form's first values, and notes saying where they came from."""
    today = _today()
    form = {
        "target_kind": "wrvu",
        "target": "",
        "done": "0",
        "weeks": _weeks_left(today),
        "days_per_week": "5",
        "codes": "99213 99214",
        "dollars_per_wrvu": "",
        "threshold": "",
        "tiers": "",
        "bonus": "",
    }
    notes: list[str] = []
    if user is None:
        return form, ["Sign in to start from your own log, goal and contract."]
    done = dash.year_to_date_wrvu(db, user, today)
    form["done"] = str(done)
    waiting = 0 if done else dash.year_to_date_awaiting(db, user, catalog, today)
    if waiting:
        notes.append(
            f"Done: 0 so far. {_awaiting_note(waiting, today.year)}, so they add no wRVU yet: your "
            "year-to-date appears here once the release is loaded."
        )
    else:
        notes.append(f"Done: your log from {today.year}-01-01 to {today.isoformat()}.")
    if user.annual_wrvu_goal:
        form["target"] = str((user.annual_wrvu_goal * user.fte).quantize(Decimal("0.01")))
        notes.append(f"Target: your annual goal {user.annual_wrvu_goal} x {user.fte} FTE.")
    sums = dash.range_sums(db, [user.id], date(today.year, 1, 1), today)
    top = [c.hcpcs for c in dash.top_codes(sums, date(today.year, 1, 1), today, limit=3)]
    if top:
        form["codes"] = " ".join(top)
        notes.append("Codes: your three codes with the most wRVU this year.")
    if user.dollars_per_wrvu is not None:
        form["dollars_per_wrvu"] = str(user.dollars_per_wrvu)
    return form, notes


def _form_values(raw: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(raw.get(name) or "")[:MAX_FIELD] for name in names}


def _pay_terms(form: dict[str, str], prefix: str = "") -> dict[str, Any]:
    """Productivity terms typed in a form ($ per wRVU, threshold, tiers) as contract keys."""
    terms: dict[str, Any] = {}
    if form.get(f"{prefix}dollars_per_wrvu", "").strip():
        terms["dollars_per_wrvu"] = planner.number(
            form[f"{prefix}dollars_per_wrvu"], f"{prefix}dollars_per_wrvu"
        )
    if form.get(f"{prefix}threshold", "").strip():
        terms["threshold"] = planner.number(form[f"{prefix}threshold"], f"{prefix}threshold")
    if form.get(f"{prefix}tiers", "").strip():
        terms["tiers"] = planner.parse_tiers(form[f"{prefix}tiers"], f"{prefix}tiers")
    return terms


def _plan_contract(form: dict[str, str], user: User | None) -> Contract:
    """The user's credit switches (signed in) with the pay terms of the form."""
    terms = _pay_terms(form)
    if "dollars_per_wrvu" in terms and "tiers" in terms:
        raise PricingError("give a $ per wRVU or tiers, not both", field="tiers")
    data = dict(user.contract or {}) if user is not None else {}
    data.update(terms)
    data["name"] = "your contract" if user is not None else "the terms above"
    try:
        return contract_from_dict(data)
    except PricingError as exc:
        raise PricingError(exc.detail.replace("<contract>: ", ""), field=exc.field or "tiers") from None


def _run_plan(request: Request, form: dict[str, str], user: User | None) -> planner.Plan:
    contract = _plan_contract(form, user)
    target = form["target"]
    kind = form["target_kind"] if form["target_kind"] in ("wrvu", "pay") else "wrvu"
    tokens = form["codes"].replace(",", " ").split()
    if not tokens:
        raise PricingError("give at least one code, e.g. 99213 or 27447:80", field="codes")
    if len(tokens) > planner.MAX_CODES:
        raise PricingError(f"at most {planner.MAX_CODES} codes", field="codes")
    done = planner.number(form["done"] or "0", "done")
    weeks = planner.number(form["weeks"], "weeks", above=True, maximum=Decimal(520))
    per_week = planner.number(form["days_per_week"] or "5", "days_per_week", above=True, maximum=Decimal(7))
    goal = planner.number(target, "target")
    bonus = planner.number(form["bonus"] or "0", "bonus")
    items = planner.plan_codes(
        services(request).catalog.pricing, tokens, on=_today(), locality=NATIONAL, contract=contract
    )
    return planner.reverse_plan(
        items,
        done=done,
        target_wrvu=goal if kind == "wrvu" else None,
        target_pay=goal if kind == "pay" else None,
        weeks=weeks,
        days_per_week=per_week,
        contract=contract,
        bonus=bonus,
    )


def _error(exc: PricingError, mapping: dict[str, str]) -> dict[str, str]:
    field = exc.field or "_form"
    field = mapping.get(field, field)
    message = exc.detail
    prefix = f"{exc.field}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    return {field: message[:1].upper() + message[1:]}


def _page(request: Request, template: str, context: dict[str, Any], errors: dict[str, str]) -> Response:
    partial = bool(request.headers.get("hx-request"))
    status = 422 if errors and not partial else 200
    return render(request, template, {**context, "errors": errors, "partial": partial}, status_code=status)


@router.get("/planner", response_class=HTMLResponse, include_in_schema=False)
def planner_page(request: Request, db: DB, user: MaybeUser) -> Response:
    """The reverse planner: how many more procedures reach a target."""
    form, notes = _plan_defaults(db, user, services(request).catalog)
    return _page(request, "planner.html", {"nav": "planner", "form": form, "notes": notes}, {})


@router.post("/planner", response_class=HTMLResponse, include_in_schema=False)
async def planner_post(request: Request, user: MaybeUser) -> Response:
    """The planner's answer for the form, or the form with an error next to the field at fault."""
    form = _form_values(await request.form(), PLAN_FIELDS)
    try:
        # the codes are credited from the reference database: keep its queries off the event loop
        plan = await run_in_threadpool(_run_plan, request, form, user)
    except PricingError as exc:
        context = {"nav": "planner", "form": form, "notes": []}
        return _page(request, "planner.html", context, _error(exc, PLAN_ERROR_FIELD))
    return _page(request, "planner.html", {"nav": "planner", "form": form, "notes": [], "plan": plan}, {})


def _offer_defaults(db: DB, user: User | None, catalog: Catalog) -> tuple[dict[str, str], list[str]]:
    form = {f"o{i}_{name}": "" for i in range(1, OFFER_SLOTS + 1) for name in OFFER_FIELDS}
    form.update({"o1_name": "Offer A", "o2_name": "Offer B", "o1_fte": "1.0", "o2_fte": "1.0"})
    form.update({"low": "", "expected": "", "high": "", "years": "1"})
    if user is None:
        return form, ["Sign in to start from your own log: the expected wRVU is your pace this year."]
    today = _today()
    done = dash.year_to_date_wrvu(db, user, today)
    if not done:
        waiting = dash.year_to_date_awaiting(db, user, catalog, today)
        if waiting:
            return form, [
                f"{_awaiting_note(waiting, today.year)}, so no wRVU to start from: your pace appears "
                "here once the release is loaded. Until then, enter the annual wRVU you expect."
            ]
        return form, ["Your log has no lines this year yet: enter the annual wRVU you expect."]
    first = date(today.year, 1, 1)
    yearly = planner.annualized(done, first, today)
    per_fte = yearly / user.fte
    form.update(
        low=_whole(per_fte * Decimal("0.9")), expected=_whole(per_fte), high=_whole(per_fte * Decimal("1.1"))
    )
    note = (
        f"Expected: your log, {done} wRVU from {first.isoformat()} to {today.isoformat()}, annualised "
        f"({done} x 365 / {(today - first).days + 1} days = {yearly}) and divided by your {user.fte} FTE; "
        "low and high are 10% either side."
    )
    return form, [note]


def _filled(form: dict[str, str]) -> list[int]:
    """The offer columns with any term typed (a name or FTE alone does not make an offer)."""
    terms = [n for n in OFFER_FIELDS if n not in ("name", "fte")]
    return [i for i in range(1, OFFER_SLOTS + 1) if any(form[f"o{i}_{n}"].strip() for n in terms)]


def _offer_data(form: dict[str, str]) -> dict[str, Any]:
    """The comparison input from the offers form: blank offer columns are left out."""
    offers = []
    for i in _filled(form):
        values = {name: form[f"o{i}_{name}"].strip() for name in OFFER_FIELDS}
        offer: dict[str, Any] = {k: v for k, v in values.items() if v and k != "tiers"}
        if values["tiers"]:
            offer["tiers"] = planner.parse_tiers(values["tiers"], f"offers[{i}].tiers")
        offers.append(offer)
    years = form["years"].strip() or "1"
    if not years.isdigit():
        raise PricingError("years: a whole number of years, 1 to 10", field="years")
    scenarios = {name: form[name] for name in job_offers.SCENARIO_NAMES if form[name].strip()}
    return {"offers": offers, "scenarios": scenarios, "years": int(years)}


def _offer_field(field: str, form: dict[str, str]) -> str:
    """``offers[2].threshold`` (the 2nd offer filled in) -> the form field it came from, ``o3_threshold``
    when column 2 is blank; an error of no one field goes to the top of the form."""
    if not field.startswith("offers["):
        return field if field in form else "_form"
    index, _, rest = field[len("offers[") :].partition("]")
    key = rest.lstrip(".").split("[")[0] or "name"
    filled = _filled(form)
    if not index.isdigit() or not 0 < int(index) <= len(filled) or key not in OFFER_FIELDS:
        return "_form"
    return f"o{filled[int(index) - 1]}_{key}"


def offers_chart(comparison: job_offers.Comparison) -> dict[str, Any]:
    """A Vega-Lite spec: each offer's total pay against annual wRVU per FTE (straight lines between the
    tier boundaries, so the points drawn are exact), the scenarios as rules, break-evens as dots."""
    top = max(s.wrvu for s in comparison.scenarios) * Decimal("1.5") or Decimal(10_000)
    xs = {Decimal(0), top, *(s.wrvu for s in comparison.scenarios)}
    for offer in comparison.offers:
        xs |= {p / offer.fte for p in planner.breakpoints(offer.pay) if p / offer.fte < top}
    evens = [b for b in comparison.break_evens if b.wrvu is not None and b.wrvu <= top]
    xs |= {b.wrvu for b in evens if b.wrvu is not None}
    lines = [
        {"offer": o.name, "wrvu": float(x), "total": float(job_offers.offer_total(o, x, comparison.years))}
        for o in comparison.offers
        for x in sorted(xs)
    ]
    rules = [{"scenario": s.name, "wrvu": float(s.wrvu)} for s in comparison.scenarios]
    dots = [{"wrvu": float(b.wrvu or 0), "total": float(b.first_total or 0), "text": b.text} for b in evens]
    x = {"field": "wrvu", "type": "quantitative", "title": "annual wRVU per 1.0 FTE"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": 260,
        "layer": [
            {
                "data": {"values": rules},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#9aa5b1"},
                "encoding": {"x": x, "tooltip": [{"field": "scenario"}, {"field": "wrvu", "format": ",.0f"}]},
            },
            {
                "data": {"values": lines},
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {"field": "total", "type": "quantitative", "title": "total pay ($ a year)"},
                    "color": {
                        "field": "offer",
                        "type": "nominal",
                        "title": None,
                        "legend": {"orient": "bottom"},
                    },
                },
            },
            {
                "data": {"values": dots},
                "mark": {"type": "point", "filled": True, "size": 60, "color": "#1f2933"},
                "encoding": {
                    "x": x,
                    "y": {"field": "total", "type": "quantitative"},
                    "tooltip": [{"field": "text"}],
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }


@router.get("/offers", response_class=HTMLResponse, include_in_schema=False)
def offers_page(request: Request, db: DB, user: MaybeUser) -> Response:
    """Compare 2 to 4 job offers."""
    form, notes = _offer_defaults(db, user, services(request).catalog)
    context = {"nav": "offers", "form": form, "notes": notes, "slots": range(1, OFFER_SLOTS + 1)}
    return _page(request, "offers.html", context, {})


@router.post("/offers", response_class=HTMLResponse, include_in_schema=False)
async def offers_post(request: Request, user: MaybeUser) -> Response:
    """The comparison for the form, or the form with an error next to the field at fault."""
    names = tuple(f"o{i}_{n}" for i in range(1, OFFER_SLOTS + 1) for n in OFFER_FIELDS)
    form = _form_values(await request.form(), (*names, "low", "expected", "high", "years"))
    context: dict[str, Any] = {"nav": "offers", "form": form, "notes": [], "slots": range(1, OFFER_SLOTS + 1)}
    try:
        context["comparison"] = job_offers.comparison_from_data(_offer_data(form))
        context["chart"] = offers_chart(context["comparison"])
    except PricingError as exc:
        field = _offer_field(exc.field or "_form", form)
        return _page(request, "offers.html", context, _error(exc, {exc.field or "": field}))
    return _page(request, "offers.html", context, {})


# ---------------------------------------------------------------------------------------------------
# JSON API


def _invalid(exc: PricingError) -> HTTPException:
    return HTTPException(status_code=422, detail={"errors": {exc.field or "request": exc.detail}})


@router.get("/api/plan", tags=["planner"], summary="How many more procedures reach a target")
def api_plan(
    request: Request,
    codes: str = Query(
        ...,
        max_length=500,
        description="CODE[:MOD[:MOD]][xUNITS][=SHARE], space or comma separated: `99213=3 99214`",
    ),
    target_wrvu: Decimal | None = Query(None, ge=0, le=LIMIT, description="wRVU total to reach"),
    target_pay: Decimal | None = Query(
        None, ge=0, le=LIMIT, description="or productivity pay to reach under the terms given"
    ),
    done: Decimal = Query(Decimal(0), ge=0, le=LIMIT, description="wRVU already done"),
    weeks: Decimal | None = Query(None, gt=0, le=520, description="weeks left"),
    clinic_days: Decimal | None = Query(None, gt=0, le=3650, description="or clinic days left"),
    days_per_week: Decimal = Query(Decimal(5), gt=0, le=7),
    dollars_per_wrvu: Decimal | None = Query(None, ge=0, le=100_000),
    threshold: Decimal = Query(Decimal(0), ge=0, le=LIMIT),
    tiers: str = Query("", max_length=500, description="FROM:RATE pairs: `0:45, 6000:52`"),
    bonus: Decimal = Query(Decimal(0), ge=0, le=LIMIT, description="lump sum paid on reaching the target"),
    on_date: date | None = Query(None, alias="date", description="credit at the release in force (today)"),
) -> dict[str, Any]:
    """Counts per code (rounded up), per week and clinic day, and the pay the target brings tier by tier,
    each step explained in `steps`. wRVU credit is CMS-consistent, each code priced alone. Bad input
    answers 422 with `errors` naming the field."""
    try:
        terms: dict[str, Any] = {"name": "the terms given", "threshold": threshold}
        if dollars_per_wrvu is not None:
            terms["dollars_per_wrvu"] = dollars_per_wrvu
        if tiers.strip():
            terms["tiers"] = planner.parse_tiers(tiers)
        contract = contract_from_dict(terms)
        tokens = codes.replace(",", " ").split()
        if not 1 <= len(tokens) <= planner.MAX_CODES:
            raise PricingError(f"give 1 to {planner.MAX_CODES} codes", field="codes")
        items = planner.plan_codes(
            services(request).catalog.pricing,
            tokens,
            on=on_date or _today(),
            locality=NATIONAL,
            contract=contract,
        )
        plan = planner.reverse_plan(
            items,
            done=done,
            target_wrvu=target_wrvu,
            target_pay=target_pay,
            weeks=weeks,
            clinic_days=clinic_days,
            days_per_week=days_per_week,
            contract=contract,
            bonus=bonus,
        )
    except PricingError as exc:
        raise _invalid(exc) from None
    return planner.plan_json(plan)


class TierIn(BaseModel):
    """From ``from`` cumulative wRVU on, each wRVU earns ``rate`` dollars."""

    model_config = {"populate_by_name": True}

    start: Decimal = Field(..., alias="from", ge=0, le=planner.LIMIT)
    rate: Decimal = Field(..., ge=0, le=100_000)


class OfferIn(BaseModel):
    """A job offer's terms, as written in the offer (for its FTE)."""

    name: str = Field(..., min_length=1, max_length=60)
    base_salary: Decimal = Field(Decimal(0), ge=0, le=planner.LIMIT)
    dollars_per_wrvu: Decimal | None = Field(None, ge=0, le=100_000, description="flat rate (or tiers)")
    threshold: Decimal = Field(Decimal(0), ge=0, le=planner.LIMIT, description="wRVU paid by the salary")
    tiers: list[TierIn] = Field(default_factory=list, max_length=10)
    signing_bonus: Decimal = Field(Decimal(0), ge=0, le=planner.LIMIT)
    annual_bonus: Decimal = Field(Decimal(0), ge=0, le=planner.LIMIT)
    fte: Decimal = Field(Decimal(1), ge=Decimal("0.01"), le=2)
    wrvu_target: Decimal | None = Field(None, ge=0, le=planner.LIMIT)


class ScenariosIn(BaseModel):
    """Annual wRVU per 1.0 FTE to compare at (each offer scales it by its FTE)."""

    low: Decimal | None = Field(None, ge=0, le=planner.LIMIT)
    expected: Decimal = Field(..., ge=0, le=planner.LIMIT)
    high: Decimal | None = Field(None, ge=0, le=planner.LIMIT)


class OffersIn(BaseModel):
    """2 to 4 offers, the scenarios, and the years compared (a signing bonus counts once)."""

    offers: list[OfferIn] = Field(..., min_length=2, max_length=4)
    scenarios: ScenariosIn
    years: int = Field(1, ge=1, le=10)


@router.post("/api/offers", tags=["planner"], summary="Compare 2 to 4 job offers")
def api_offers(body: OffersIn) -> dict[str, Any]:
    """Total pay per offer and scenario with every part explained (`lines`), effective $ per wRVU,
    the winner of each scenario, and every pair's break-even wRVU. A calculator: it reads and stores
    nothing, so no sign-in is needed (a browser sends its CSRF token like any POST; a script sends its
    API token). Bad input answers 422 with `errors` naming the field (`offers[2].tiers`)."""
    data = body.model_dump(by_alias=True, exclude_none=True)
    for offer in data["offers"]:
        if not offer["tiers"]:
            del offer["tiers"]
    try:
        return job_offers.comparison_json(job_offers.comparison_from_data(data))
    except PricingError as exc:
        raise _invalid(exc) from None
