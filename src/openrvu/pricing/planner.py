"""The reverse planner: how many more procedures reach a target, and the pay arithmetic it shares.

``reverse_plan``: from a target (a wRVU total, or productivity pay under a contract), the wRVU already
done and the time left, how many more of each code are needed, per week and per clinic day, and the
money the target brings, tier by tier. The job-offer comparison (``openrvu.pricing.job_offers``) uses the
same tier arithmetic.

Pay for wRVU is always ``Contract.compensation`` (nothing up to the threshold, then by tier): this
module only asks it at the tier boundaries, so the lines that explain a figure add up to the
contract's own totals. Bad input raises ``PricingError`` whose ``field`` names the input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput
from openrvu.pricing.service import PricingService, parse_code

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
#: No plausible input is larger: keeps every figure well inside Decimal's 28 digits.
LIMIT = Decimal(1_000_000_000)
MAX_CODES = 10


def number(
    value: Any, field: str, *, minimum: Decimal = ZERO, maximum: Decimal = LIMIT, above: bool = False
) -> Decimal:
    """A number as a user typed it (``$1,200.50`` is fine); ``PricingError`` naming ``field`` otherwise.

    ``above``: the number must be strictly greater than ``minimum``.
    """
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        raise PricingError(f"{field}: enter a number", field=field)
    text = str(value).strip().replace(",", "").replace("_", "").lstrip("$")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise PricingError(f"{field}: {value!r} is not a number", field=field) from None
    if not result.is_finite() or not (result > minimum if above else result >= minimum) or result > maximum:
        sign = ">" if above else ">="
        raise PricingError(f"{field}: must be a number {sign} {minimum} and <= {maximum:,}", field=field)
    return result


def wrvu_text(value: Decimal) -> str:
    """wRVU for explanations: two decimals, thousands separators."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def money_text(value: Decimal) -> str:
    """Dollars for explanations: ``$1,234.50`` (negative as ``-$12.00``)."""
    amount = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


# ---------------------------------------------------------------------------------------------------
# Pay under a contract, explained tier by tier


@dataclass(frozen=True, slots=True)
class PaySegment:
    """The pay of the wRVU from ``start`` to ``end``, all at one marginal ``rate``."""

    start: Decimal
    end: Decimal
    rate: Decimal
    amount: Decimal
    text: str


@dataclass(frozen=True, slots=True)
class PayBreakdown:
    """Productivity pay from ``start`` to ``end`` wRVU: the contract's totals at both ends and the
    segments between them (their amounts add up to ``increment``)."""

    start: Decimal
    end: Decimal
    pay_at_start: Decimal
    pay_at_end: Decimal
    increment: Decimal
    segments: tuple[PaySegment, ...]


def breakpoints(contract: Contract) -> list[Decimal]:
    """The wRVU totals where the contract's marginal rate may change: its threshold and the start of
    every paid segment (``Contract.segments``), in order."""
    return sorted({contract.threshold} | {s.start for s in contract.segments()})


def marginal_rate(contract: Contract, wrvu: Decimal) -> Decimal:
    """What the next wRVU above ``wrvu`` earns: the rate of the segment it falls in, else 0 (below the
    threshold or the first tier)."""
    for segment in contract.segments():
        if segment.start <= wrvu and (segment.end is None or wrvu < segment.end):
            return segment.rate
    return ZERO


def pays_anything(contract: Contract) -> bool:
    """Whether some wRVU earns money under the contract."""
    return any(s.rate > 0 for s in contract.segments())


def pay_between(contract: Contract, start: Decimal, end: Decimal) -> PayBreakdown:
    """The productivity pay that the wRVU from ``start`` to ``end`` bring, segment by segment.

    Each segment's amount is ``compensation(end) - compensation(start)`` of the contract, so the
    segments add up exactly to the difference of the two totals a pay statement would show.
    """
    end = max(start, end)
    inner = [p for p in breakpoints(contract) if start < p < end]
    points = [start, *inner, end]
    segments = []
    for a, b in zip(points, points[1:], strict=False):
        rate = marginal_rate(contract, a)
        amount = contract.compensation(b) - contract.compensation(a)
        if rate == 0 and b <= contract.threshold:
            text = (
                f"{wrvu_text(a)} to {wrvu_text(b)} wRVU: below the threshold of "
                f"{wrvu_text(contract.threshold)} wRVU, earns nothing"
            )
        else:
            text = (
                f"{wrvu_text(a)} to {wrvu_text(b)} wRVU: {wrvu_text(b - a)} x {money_text(rate)} "
                f"= {money_text(amount)}"
            )
        segments.append(PaySegment(a, b, rate, amount, text))
    pay_start, pay_end = contract.compensation(start), contract.compensation(end)
    return PayBreakdown(start, end, pay_start, pay_end, pay_end - pay_start, tuple(segments))


def wrvu_for_pay(contract: Contract, pay: Decimal, field: str = "target_pay") -> Decimal:
    """The fewest wRVU (to 0.01) whose productivity pay under the contract reaches ``pay``."""
    if pay <= 0:
        return ZERO
    points = breakpoints(contract)
    for a, b in zip(points, [*points[1:], None], strict=True):
        rate = marginal_rate(contract, a)
        if rate <= 0 or (b is not None and contract.compensation(b) < pay):
            continue
        wrvu = (a + (pay - contract.compensation(a)) / rate).quantize(CENT, rounding=ROUND_CEILING)
        # the contract rounds each total to the cent: step to the first 0.01 that reaches the pay
        for _ in range(100):
            if contract.compensation(wrvu) >= pay:
                break
            wrvu += CENT
        while wrvu > a and contract.compensation(wrvu - CENT) >= pay:
            wrvu -= CENT
        return wrvu
    top = money_text(marginal_rate(contract, points[-1]))
    raise PricingError(
        f"{field}: the contract never pays {money_text(pay)} for wRVU (its top rate is {top} per wRVU)",
        field=field,
    )


def parse_tiers(text: str, field: str = "tiers") -> list[dict[str, Decimal]]:
    """Tiers as typed in one box, ``0:45, 6000:52`` (FROM:RATE pairs, commas, semicolons or new
    lines between them) -> the contract's ``{from, rate}`` tables; blank -> no tiers."""
    out = []
    for n, part in enumerate(re.split(r"[,;\n]+", text.strip()), start=1):
        if not part.strip():
            continue
        start, sep, rate = part.replace("=", ":").partition(":")
        if not sep:
            raise PricingError(
                f"{field}: tier {n} {part.strip()!r} is not FROM:RATE (e.g. 6000:52)", field=field
            )
        out.append({"from": number(start, field), "rate": number(rate, field, maximum=Decimal(100_000))})
    return out


# ---------------------------------------------------------------------------------------------------
# The reverse planner


@dataclass(frozen=True, slots=True)
class PlanCode:
    """A procedure to plan with: its label (``27447-80``), the wRVU one credits, its share of a mix."""

    label: str
    wrvu: Decimal
    share: Decimal = ONE
    release: str | None = None


@dataclass(frozen=True, slots=True)
class PlanCount:
    """How many more of one code, what they credit, and how many a week and a clinic day."""

    code: PlanCode
    count: int
    wrvu: Decimal
    per_week: Decimal
    per_day: Decimal


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer of ``reverse_plan``; ``steps`` explain every figure in order."""

    target_wrvu: Decimal
    target_pay: Decimal | None
    done: Decimal
    remaining: Decimal
    weeks: Decimal
    clinic_days: Decimal
    counts: tuple[PlanCount, ...]
    planned_wrvu: Decimal
    wrvu_per_week: Decimal
    wrvu_per_day: Decimal
    money: PayBreakdown | None
    bonus: Decimal  # paid on reaching the target (0 when none, or when it was reached already)
    brings: Decimal | None  # pay for the wRVU left plus the bonus; None without pay terms or bonus
    contract: str
    steps: tuple[str, ...]


def _per(count: Decimal, over: Decimal) -> Decimal:
    """A rate per week or day, rounded up to 0.1 so a plan never understates what is needed."""
    return (count / over).quantize(TENTH, rounding=ROUND_CEILING)


def reverse_plan(
    codes: Sequence[PlanCode],
    *,
    done: Decimal,
    target_wrvu: Decimal | None = None,
    target_pay: Decimal | None = None,
    weeks: Decimal | None = None,
    clinic_days: Decimal | None = None,
    days_per_week: Decimal = Decimal(5),
    contract: Contract = DEFAULT_CONTRACT,
    bonus: Decimal = ZERO,
) -> Plan:
    """How many more of each code reach the target, in the time left.

    The target is a wRVU total (``target_wrvu``) or productivity pay for the year under the contract
    (``target_pay``, turned into the fewest wRVU that earn it). One code: ``ceil(left / wRVU each)``.
    A mix: one "mix" holds ``share`` of each code; ``mixes = left / wRVU of a mix`` and each count is
    ``ceil(mixes x share)``, so the counts keep the proportions and never fall short. Time left is
    ``weeks`` or ``clinic_days`` (the other follows from ``days_per_week``). ``bonus``: a lump sum
    the contract pays on reaching the target, added to what the target brings.
    """
    if (target_wrvu is None) == (target_pay is None):
        raise PricingError("target: give a wRVU target or a pay target (one of them)", field="target")
    if not codes:
        raise PricingError("codes: give at least one code to plan with", field="codes")
    if len(codes) > MAX_CODES:
        raise PricingError(f"codes: at most {MAX_CODES} codes", field="codes")
    for code in codes:
        if code.wrvu <= 0:
            raise PricingError(
                f"codes: {code.label} credits {wrvu_text(code.wrvu)} wRVU under this contract, so no "
                "number of them reaches a target",
                field="codes",
            )
        if code.share <= 0:
            raise PricingError(f"codes: the share of {code.label} must be > 0", field="codes")
    number(done, "done")
    number(days_per_week, "days_per_week", maximum=Decimal(7), above=True)
    if (weeks is None) == (clinic_days is None):
        raise PricingError("weeks: give the weeks left or the clinic days left (one of them)", field="weeks")
    if weeks is not None:
        number(weeks, "weeks", maximum=Decimal(520), above=True)
        clinic_days = weeks * days_per_week
        time_step = f"{wrvu_text(weeks)} weeks x {days_per_week} clinic days = {clinic_days} clinic days"
    else:
        assert clinic_days is not None
        number(clinic_days, "clinic_days", maximum=Decimal(3650), above=True)
        weeks = clinic_days / days_per_week
        time_step = f"{clinic_days} clinic days / {days_per_week} a week = {_per(weeks, ONE)} weeks"

    steps: list[str] = []
    if target_pay is not None:
        number(target_pay, "target_pay")
        target = wrvu_for_pay(contract, target_pay)
        steps.append(
            f"Pay target {money_text(target_pay)} under {contract.name}: the fewest wRVU that earn it "
            f"are {wrvu_text(target)} (pay at {wrvu_text(target)} wRVU: "
            f"{money_text(contract.compensation(target))})."
        )
    else:
        assert target_wrvu is not None
        target = number(target_wrvu, "target_wrvu")
    remaining = max(ZERO, target - done)
    steps.append(f"Target {wrvu_text(target)} - done {wrvu_text(done)} = {wrvu_text(remaining)} wRVU left.")
    steps.append(f"Time left: {time_step}.")
    for code in codes:
        release = f" (release {code.release})" if code.release else ""
        steps.append(f"{code.label} credits {wrvu_text(code.wrvu)} wRVU each under {contract.name}{release}.")

    per_mix = sum((c.share * c.wrvu for c in codes), ZERO)
    mixes = remaining / per_mix
    counts = []
    if remaining == 0:
        steps.append("The target is already reached: nothing more is needed.")
    elif len(codes) == 1:
        code = codes[0]
        steps.append(
            f"{wrvu_text(remaining)} / {wrvu_text(code.wrvu)} = {mixes.quantize(CENT)} -> "
            f"{int((mixes * code.share).to_integral_value(ROUND_CEILING)):,} {code.label} (rounded up)."
        )
    else:
        parts = " + ".join(f"{c.share} x {wrvu_text(c.wrvu)}" for c in codes)
        steps.append(f"One mix = {parts} = {wrvu_text(per_mix)} wRVU.")
        steps.append(f"{wrvu_text(remaining)} / {wrvu_text(per_mix)} = {mixes.quantize(CENT)} mixes.")
    for code in codes:
        count = int((mixes * code.share).to_integral_value(ROUND_CEILING))
        if remaining and len(codes) > 1:
            steps.append(
                f"{code.label}: {code.share} x {mixes.quantize(CENT)} = "
                f"{(mixes * code.share).quantize(CENT)} -> {count:,} (rounded up)."
            )
        counts.append(
            PlanCount(
                code, count, code.wrvu * count, _per(Decimal(count), weeks), _per(Decimal(count), clinic_days)
            )
        )
    planned = sum((c.wrvu for c in counts), ZERO)
    if remaining:
        steps.append(
            f"They credit {wrvu_text(planned)} wRVU ({wrvu_text(planned - remaining)} over, "
            f"from rounding up); a week: {wrvu_text(remaining / weeks)} wRVU, "
            f"a clinic day: {wrvu_text(remaining / clinic_days)}."
        )
    number(bonus, "bonus")
    earned = bonus if remaining else ZERO
    money, brings = None, None
    if pays_anything(contract) or bonus:
        money = pay_between(contract, done, max(done, target))
        brings = money.increment + earned
        steps.append(
            f"Pay for the year at {wrvu_text(done)} wRVU: {money_text(money.pay_at_start)}; at "
            f"{wrvu_text(money.end)}: {money_text(money.pay_at_end)}; the wRVU left bring "
            f"{money_text(money.increment)} more:"
        )
        steps.extend(f"  {s.text}" for s in money.segments)
        if bonus:
            when = "on reaching the target" if remaining else "already earned: the target is reached"
            steps.append(f"Bonus {money_text(bonus)} {when}.")
        steps.append(f"In all the target brings {money_text(brings)}.")
    return Plan(
        target_wrvu=target,
        target_pay=target_pay,
        done=done,
        remaining=remaining,
        weeks=weeks,
        clinic_days=clinic_days,
        counts=tuple(counts),
        planned_wrvu=planned,
        wrvu_per_week=(remaining / weeks).quantize(CENT, rounding=ROUND_CEILING),
        wrvu_per_day=(remaining / clinic_days).quantize(CENT, rounding=ROUND_CEILING),
        money=money,
        bonus=earned,
        brings=brings,
        contract=contract.name,
        steps=tuple(steps),
    )


def parse_plan_token(token: str) -> tuple[LineInput, Decimal]:
    """``CODE[:MOD[:MOD]][xUNITS][=SHARE]`` -> the line and its share of a mix (default 1)."""
    text, _, share = token.strip().partition("=")
    weight = number(share, "codes", above=True, maximum=Decimal(10_000)) if share else ONE
    try:
        return parse_code(text), weight
    except PricingError as exc:
        raise PricingError(f"codes: {exc.detail}", field="codes") from None


def plan_codes(
    service: PricingService,
    tokens: Sequence[str],
    *,
    on: date,
    locality: str,
    contract: Contract = DEFAULT_CONTRACT,
    pos: str = "11",
) -> list[PlanCode]:
    """The wRVU each typed code credits under the contract and the release in force on ``on``.

    Each code is priced alone (one procedure, one encounter), so no multiple-procedure ranking applies;
    the credit follows the contract's switches and frozen release, exactly as a logged line would. A
    date no loaded release covers (planning next year) uses the latest release; each code names it.
    """
    try:
        service.release_name(on)
    except PricingError:
        try:
            on = service.db.latest_release().effective_date
        except LookupError:
            raise PricingError("codes: no RVU release is loaded (openrvu ingest)", field="codes") from None
    out = []
    for token in tokens:
        line, share = parse_plan_token(token)
        try:
            result = service.price(
                [LineInput(line.hcpcs, line.modifiers, line.units, pos)],
                on=on,
                locality=locality,
                contract=contract,
            )
        except PricingError as exc:
            raise PricingError(f"codes: {exc.detail}", field="codes") from None
        priced = result.lines[0]
        label = priced.hcpcs + "".join(f"-{m}" for m in priced.modifiers)
        label += f" x{priced.units}" if priced.units > 1 else ""
        out.append(PlanCode(label, priced.wrvu, share, priced.release))
    return out


def annualized(wrvu: Decimal, first: date, last: date) -> Decimal:
    """A year of wRVU at the pace of ``first``..``last`` (inclusive): ``wrvu x 365 / days``."""
    days = (last - first).days + 1
    if days <= 0:
        raise PricingError("the range of days is empty", field="days")
    return (wrvu * 365 / days).quantize(CENT, rounding=ROUND_HALF_UP)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The JSON shape of a plan (CLI ``--json`` and the API): numbers as exact decimal strings."""
    return {
        "target_wrvu": str(plan.target_wrvu),
        "target_pay": None if plan.target_pay is None else f"{plan.target_pay:.2f}",
        "done": str(plan.done),
        "remaining": str(plan.remaining),
        "weeks": str(plan.weeks.quantize(CENT)),
        "clinic_days": str(plan.clinic_days.quantize(CENT)),
        "contract": plan.contract,
        "codes": [
            {
                "code": c.code.label,
                "release": c.code.release,
                "wrvu_each": str(c.code.wrvu),
                "share": str(c.code.share),
                "count": c.count,
                "wrvu": str(c.wrvu),
                "per_week": str(c.per_week),
                "per_clinic_day": str(c.per_day),
            }
            for c in plan.counts
        ],
        "planned_wrvu": str(plan.planned_wrvu),
        "wrvu_per_week": str(plan.wrvu_per_week),
        "wrvu_per_clinic_day": str(plan.wrvu_per_day),
        "money": None if plan.money is None else _breakdown_json(plan.money),
        "bonus": f"{plan.bonus:.2f}",
        "brings": None if plan.brings is None else f"{plan.brings:.2f}",
        "steps": list(plan.steps),
    }


def _breakdown_json(b: PayBreakdown) -> dict[str, Any]:
    return {
        "from_wrvu": str(b.start),
        "to_wrvu": str(b.end),
        "pay_at_start": f"{b.pay_at_start:.2f}",
        "pay_at_end": f"{b.pay_at_end:.2f}",
        "increment": f"{b.increment:.2f}",
        "segments": [
            {
                "from": str(s.start),
                "to": str(s.end),
                "rate": f"{s.rate:.2f}",
                "amount": f"{s.amount:.2f}",
                "text": s.text,
            }
            for s in b.segments
        ],
    }
