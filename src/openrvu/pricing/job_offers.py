"""Job-offer comparison: which offer pays more, at which annual wRVU, and where two pay the same.

``compare_offers`` takes 2 to 4 offers (base salary, $ per wRVU or tiers, threshold, bonuses, FTE) at
one or more annual wRVU scenarios and gives total pay, effective dollars per wRVU, the winner of each
scenario and every break-even point. Pay for wRVU is ``Contract.compensation``, asked through the
planner's tier arithmetic (``openrvu.pricing.planner``), so every figure adds up to the contract's own.
Bad input raises ``PricingError`` whose ``field`` names the input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.planner import (
    CENT,
    ONE,
    ZERO,
    PayBreakdown,
    breakpoints,
    money_text,
    number,
    pay_between,
    wrvu_text,
)

OFFER_KEYS = (
    "name",
    "base_salary",
    "dollars_per_wrvu",
    "tiers",
    "threshold",
    "signing_bonus",
    "annual_bonus",
    "fte",
    "wrvu_target",
)
SCENARIO_NAMES = ("low", "expected", "high")


@dataclass(frozen=True, slots=True)
class Offer:
    """A job offer. ``pay`` holds its productivity terms ($ per wRVU or tiers, threshold); the amounts
    are as written in the offer, for its FTE."""

    name: str
    base_salary: Decimal = ZERO
    pay: Contract = DEFAULT_CONTRACT
    signing_bonus: Decimal = ZERO
    annual_bonus: Decimal = ZERO
    fte: Decimal = ONE
    wrvu_target: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """An annual wRVU production to compare offers at, per 1.0 FTE (each offer scales it by its FTE)."""

    name: str
    wrvu: Decimal


def offer_from_dict(data: Mapping[str, Any], where: str = "offers[1]") -> Offer:
    """An offer from parsed TOML/JSON/form values; errors name the field as ``offers[N].key``."""
    unknown = sorted(set(data) - set(OFFER_KEYS))
    if unknown:
        raise PricingError(
            f"{where}: unknown key(s) {', '.join(unknown)} (expected {', '.join(OFFER_KEYS)})", field=where
        )

    def amount(key: str, default: Decimal | None = ZERO, **limits: Any) -> Decimal | None:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            return default
        return number(value, f"{where}.{key}", **limits)

    name = str(data.get("name") or where).strip()[:60] or where
    if "dollars_per_wrvu" in data and data.get("tiers"):
        raise PricingError(
            f"{where}.tiers: give dollars_per_wrvu (flat) or tiers, not both", field=f"{where}.tiers"
        )
    terms: dict[str, Any] = {"name": name}
    for key in ("dollars_per_wrvu", "threshold", "tiers"):
        if data.get(key) not in (None, "", []):
            terms[key] = data[key]
    for key in ("dollars_per_wrvu", "threshold"):
        if key in terms:
            terms[key] = amount(key)
    try:
        pay = contract_from_dict(terms, Path(where))
    except PricingError as exc:
        raise PricingError(exc.detail, field=f"{where}.{exc.field}" if exc.field else where) from None
    fte = amount("fte", ONE, minimum=Decimal("0.01"), maximum=Decimal(2))
    assert fte is not None
    return Offer(
        name=name,
        base_salary=amount("base_salary") or ZERO,
        pay=pay,
        signing_bonus=amount("signing_bonus") or ZERO,
        annual_bonus=amount("annual_bonus") or ZERO,
        fte=fte,
        wrvu_target=amount("wrvu_target", None),
    )


def scenarios_from(values: Mapping[str, Any]) -> list[Scenario]:
    """Scenarios from ``{"low": .., "expected": .., "high": ..}`` (blank ones are left out), in order
    low, expected, high; at least one is needed."""
    unknown = sorted(set(values) - set(SCENARIO_NAMES))
    if unknown:
        raise PricingError(
            f"scenarios: unknown name(s) {', '.join(unknown)} (use low, expected, high)", field="scenarios"
        )
    out = [
        Scenario(name, number(values[name], name))
        for name in SCENARIO_NAMES
        if values.get(name) is not None and str(values[name]).strip() != ""
    ]
    if not out:
        raise PricingError("expected: give the annual wRVU you expect (per 1.0 FTE)", field="expected")
    return out


@dataclass(frozen=True, slots=True)
class OfferPay:
    """One offer at one scenario: every part of the year's pay and the lines that explain it."""

    offer: str
    scenario: str
    wrvu: Decimal  # worked: the scenario's wRVU x the offer's FTE
    base_salary: Decimal
    productivity: Decimal
    annual_bonus: Decimal
    signing_share: Decimal
    total: Decimal
    effective_rate: Decimal | None  # total / wRVU worked
    per_fte: Decimal  # total / FTE
    target_gap: Decimal | None  # wRVU worked - the offer's target (negative: short of it)
    productivity_detail: PayBreakdown
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BreakEven:
    """Where two offers pay the same, in annual wRVU per 1.0 FTE (``wrvu`` None: they never do;
    ``until`` set: they pay the same over the whole range ``wrvu``..``until``)."""

    first: str
    second: str
    wrvu: Decimal | None
    until: Decimal | None
    first_total: Decimal | None
    second_total: Decimal | None
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """The answer of ``compare_offers``: ``results[s][o]`` is offer ``o`` at scenario ``s``."""

    offers: tuple[Offer, ...]
    scenarios: tuple[Scenario, ...]
    years: int
    results: tuple[tuple[OfferPay, ...], ...]
    winners: tuple[tuple[str, ...], ...]
    verdicts: tuple[str, ...]
    break_evens: tuple[BreakEven, ...]


def _signing_share(offer: Offer, years: int) -> Decimal:
    return (offer.signing_bonus / years).quantize(CENT, rounding=ROUND_HALF_UP)


def offer_total(offer: Offer, wrvu_per_fte: Decimal, years: int = 1) -> Decimal:
    """The year's total pay of an offer when working ``wrvu_per_fte`` a year per 1.0 FTE."""
    fixed = offer.base_salary + offer.annual_bonus + _signing_share(offer, years)
    return fixed + offer.pay.compensation(wrvu_per_fte * offer.fte)


def offer_pay(offer: Offer, scenario: Scenario, years: int = 1) -> OfferPay:
    """One offer's pay at one scenario, explained line by line."""
    worked = scenario.wrvu * offer.fte
    detail = pay_between(offer.pay, ZERO, worked)
    signing = _signing_share(offer, years)
    total = offer_total(offer, scenario.wrvu, years)
    lines = [
        f"wRVU worked: {wrvu_text(scenario.wrvu)} a year per FTE x {offer.fte} FTE = {wrvu_text(worked)}",
        f"base salary: {money_text(offer.base_salary)}",
    ]
    paid = [s.text for s in detail.segments if s.amount or s.end <= offer.pay.threshold]
    lines.append(
        f"productivity pay: {money_text(detail.pay_at_end)}" + (f" ({'; '.join(paid)})" if paid else "")
    )
    if offer.annual_bonus:
        lines.append(f"annual bonus: {money_text(offer.annual_bonus)}")
    if offer.signing_bonus:
        lines.append(
            f"signing bonus: {money_text(offer.signing_bonus)} / {years} year(s) = {money_text(signing)}"
        )
    lines.append(f"total: {money_text(total)}")
    rate = None
    if worked > 0:
        rate = (total / worked).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(
            f"effective: {money_text(total)} / {wrvu_text(worked)} wRVU = {money_text(rate)} per wRVU"
        )
    per_fte = (total / offer.fte).quantize(CENT, rounding=ROUND_HALF_UP)
    if offer.fte != 1:
        lines.append(f"per 1.0 FTE: {money_text(total)} / {offer.fte} = {money_text(per_fte)}")
    gap = None
    if offer.wrvu_target is not None:
        gap = worked - offer.wrvu_target
        where = "meets" if gap >= 0 else "is short of"
        lines.append(
            f"the offer's wRVU target {wrvu_text(offer.wrvu_target)}: {wrvu_text(worked)} {where} it "
            f"({'+' if gap >= 0 else ''}{wrvu_text(gap)})"
        )
    return OfferPay(
        offer=offer.name,
        scenario=scenario.name,
        wrvu=worked,
        base_salary=offer.base_salary,
        productivity=detail.pay_at_end,
        annual_bonus=offer.annual_bonus,
        signing_share=signing,
        total=total,
        effective_rate=rate,
        per_fte=per_fte,
        target_gap=gap,
        productivity_detail=detail,
        lines=tuple(lines),
    )


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


def break_evens(a: Offer, b: Offer, years: int = 1) -> list[BreakEven]:
    """Every annual wRVU (per 1.0 FTE, to 0.01) at which offers ``a`` and ``b`` pay the same total.

    Both totals are straight lines between the offers' tier boundaries, so their difference is too:
    a sign change between two boundaries is one crossing, found by interpolation; past the last
    boundary the difference changes by a fixed slope per wRVU.
    """
    points = sorted(
        {ZERO}
        | {p / a.fte for p in breakpoints(a.pay) if p > 0}
        | {p / b.fte for p in breakpoints(b.pay) if p > 0}
    )

    def diff(x: Decimal) -> Decimal:
        return offer_total(a, x, years) - offer_total(b, x, years)

    values = [diff(x) for x in points]
    # past the last boundary each offer is in its top tier: the open-ended last segment of its contract
    # (asking the rate at ``last x FTE`` could land a hair below it after the division by the FTE)
    slope = a.pay.segments()[-1].rate * a.fte - b.pay.segments()[-1].rate * b.fte
    roots: list[tuple[Decimal, Decimal | None, bool]] = []  # (start, end of an equal range, unbounded)
    i, n = 0, len(points)
    while i < n:
        x, d = points[i], values[i]
        if d == 0:
            j = i
            while j + 1 < n and values[j + 1] == 0:
                j += 1
            if j == n - 1 and slope == 0:
                roots.append((x, None, True))
                break
            roots.append((x, points[j] if j > i else None, False))
            i = j + 1
            continue
        if i + 1 < n:
            d_next = values[i + 1]
            if d_next != 0 and _sign(d) != _sign(d_next):
                roots.append((x + d * (points[i + 1] - x) / (d - d_next), None, False))
        elif slope != 0 and _sign(slope) != _sign(d):
            roots.append((x - d / slope, None, False))
        i += 1
    return [_describe(a, b, years, root) for root in roots] or [_never(a, b, values[0])]


def _never(a: Offer, b: Offer, difference: Decimal) -> BreakEven:
    ahead, behind = (a, b) if difference > 0 else (b, a)
    text = f"{ahead.name} pays more than {behind.name} at every wRVU: they never break even."
    return BreakEven(a.name, b.name, None, None, None, None, text)


def _describe(a: Offer, b: Offer, years: int, root: tuple[Decimal, Decimal | None, bool]) -> BreakEven:
    start, end, unbounded = root
    x = start.quantize(CENT, rounding=ROUND_HALF_UP)
    ta, tb = offer_total(a, x, years), offer_total(b, x, years)
    if unbounded:
        text = f"{a.name} and {b.name} pay the same from {wrvu_text(x)} wRVU a year (per FTE) on."
        return BreakEven(a.name, b.name, x, None, ta, tb, text)
    if end is not None:
        until = end.quantize(CENT, rounding=ROUND_HALF_UP)
        text = (
            f"{a.name} and {b.name} pay the same from {wrvu_text(x)} to {wrvu_text(until)} wRVU "
            f"a year (per FTE): {money_text(ta)} at {wrvu_text(x)}."
        )
        return BreakEven(a.name, b.name, x, until, ta, tb, text)
    words = []
    for side, at in (("below", max(ZERO, x - 1)), ("above", x + 1)):
        lead = offer_total(a, at, years) - offer_total(b, at, years)
        if lead and (side == "above" or x > 0):
            words.append(f"{side} it {(a if lead > 0 else b).name} pays more")
    pays = (
        f"both pay {money_text(ta)}"
        if ta == tb
        else f"{money_text(ta)} vs {money_text(tb)} at the point rounded to 0.01 wRVU"
    )
    text = f"{a.name} and {b.name} break even at {wrvu_text(x)} wRVU a year (per FTE): {pays}" + (
        f"; {', '.join(words)}." if words else "."
    )
    return BreakEven(a.name, b.name, x, None, ta, tb, text)


def compare_offers(offers: Sequence[Offer], scenarios: Sequence[Scenario], years: int = 1) -> Comparison:
    """2 to 4 offers at each scenario: pay explained, the winner, and every pair's break-even wRVU.

    ``years`` spreads a signing bonus (paid once) over the years compared.
    """
    if not 2 <= len(offers) <= 4:
        raise PricingError(f"offers: compare 2 to 4 offers, got {len(offers)}", field="offers")
    names = [o.name for o in offers]
    if len(set(names)) != len(names):
        raise PricingError("offers: give each offer a different name", field="offers")
    if not scenarios:
        raise PricingError("expected: give the annual wRVU you expect (per 1.0 FTE)", field="expected")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
        raise PricingError("years: compare over 1 to 10 years", field="years")
    results = []
    winners = []
    verdicts = []
    for scenario in scenarios:
        row = tuple(offer_pay(o, scenario, years) for o in offers)
        best = max(r.total for r in row)
        top = tuple(r.offer for r in row if r.total == best)
        runner = max((r.total for r in row if r.total != best), default=best)
        at = f"At {scenario.name} ({wrvu_text(scenario.wrvu)} wRVU a year per FTE)"
        if len(top) == len(row):
            verdict = f"{at} every offer pays {money_text(best)}."
        else:
            verdict = (
                f"{at} {' and '.join(top)} pays most: {money_text(best)}, "
                f"{money_text(best - runner)} more than the next."
            )
        results.append(row)
        winners.append(top)
        verdicts.append(verdict)
    pairs = [be for x, y in combinations(offers, 2) for be in break_evens(x, y, years)]
    return Comparison(
        tuple(offers), tuple(scenarios), years, tuple(results), tuple(winners), tuple(verdicts), tuple(pairs)
    )


def comparison_from_data(data: Mapping[str, Any]) -> Comparison:
    """A comparison from a parsed file or request: ``offers`` (a list of offer tables), ``scenarios``
    (``low``/``expected``/``high``) and ``years`` (default 1)."""
    unknown = sorted(set(data) - {"offers", "scenarios", "years"})
    if unknown:
        raise PricingError(
            f"unknown key(s) {', '.join(unknown)} (expected offers, scenarios, years)", field="file"
        )
    raw = data.get("offers")
    if not isinstance(raw, list) or not all(isinstance(o, Mapping) for o in raw):
        raise PricingError("offers: a list of offers, each a table of its terms", field="offers")
    offers = [offer_from_dict(o, f"offers[{i}]") for i, o in enumerate(raw, start=1)]
    scenarios = data.get("scenarios", {})
    if not isinstance(scenarios, Mapping):
        raise PricingError("scenarios: a table with low, expected and high", field="scenarios")
    years = data.get("years", 1)
    if isinstance(years, str) and years.strip().isdigit():
        years = int(years)
    return compare_offers(offers, scenarios_from(scenarios), years)


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The JSON shape of an offer comparison: numbers as exact decimal strings."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "years": comparison.years,
        "scenarios": [
            {
                "name": s.name,
                "wrvu_per_fte": str(s.wrvu),
                "winners": list(winners),
                "verdict": verdict,
                "offers": [
                    {
                        "offer": r.offer,
                        "wrvu": str(r.wrvu),
                        "base_salary": money(r.base_salary),
                        "productivity": money(r.productivity),
                        "annual_bonus": money(r.annual_bonus),
                        "signing_share": money(r.signing_share),
                        "total": money(r.total),
                        "effective_per_wrvu": money(r.effective_rate),
                        "total_per_fte": money(r.per_fte),
                        "target_gap": None if r.target_gap is None else str(r.target_gap),
                        "lines": list(r.lines),
                    }
                    for r in row
                ],
            }
            for s, row, winners, verdict in zip(
                comparison.scenarios, comparison.results, comparison.winners, comparison.verdicts, strict=True
            )
        ],
        "break_evens": [
            {
                "first": be.first,
                "second": be.second,
                "wrvu_per_fte": None if be.wrvu is None else str(be.wrvu),
                "until": None if be.until is None else str(be.until),
                "first_total": money(be.first_total),
                "second_total": money(be.second_total),
                "text": be.text,
            }
            for be in comparison.break_evens
        ],
    }
