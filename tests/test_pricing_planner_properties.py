"""Invariants of the planner over generated contracts and offers (hypothesis)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.pricing.contract import Contract, Tier
from openrvu.pricing.job_offers import Offer, break_evens, offer_total
from openrvu.pricing.planner import (
    CENT,
    PlanCode,
    marginal_rate,
    pay_between,
    reverse_plan,
    wrvu_for_pay,
)

wrvu = st.decimals(min_value=0, max_value=20_000, places=2)
rates = st.decimals(min_value=0, max_value=120, places=2)


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    """A threshold and 0 to 4 tiers in increasing order (or a flat rate)."""
    starts = sorted(draw(st.lists(wrvu, min_size=0, max_size=4)))
    tiers = tuple(Tier(s, draw(rates)) for s in starts)
    return Contract(
        threshold=draw(st.decimals(min_value=0, max_value=8000, places=0)),
        dollars_per_wrvu=draw(rates),
        tiers=tiers,
    )


@st.composite
def offers(draw: st.DrawFn, name: str) -> Offer:
    return Offer(
        name,
        base_salary=draw(st.decimals(min_value=0, max_value=600_000, places=0)),
        pay=draw(contracts()),
        signing_bonus=draw(st.decimals(min_value=0, max_value=100_000, places=0)),
        annual_bonus=draw(st.decimals(min_value=0, max_value=50_000, places=0)),
        fte=draw(st.sampled_from([D("0.5"), D("0.6"), D("0.75"), D("0.8"), D("0.9"), D(1)])),
    )


@settings(max_examples=100, deadline=None)
@given(offers("A"), wrvu, wrvu)
def test_more_wrvu_never_pays_less_under_a_tiered_offer(offer: Offer, x: D, y: D) -> None:
    low, high = sorted((x, y))
    assert offer_total(offer, low) <= offer_total(offer, high)


@settings(max_examples=100, deadline=None)
@given(offers("A"), offers("B"))
def test_at_a_break_even_point_both_offers_pay_the_same(a: Offer, b: Offer) -> None:
    """Up to the rounding of the point to 0.01 wRVU (at most half a cent of wRVU at each offer's
    steepest rate) and of each total to the cent."""
    steepest = max(marginal_rate(o.pay, D(10**9)) * o.fte for o in (a, b))
    steepest = max([steepest, *(t.rate * o.fte for o in (a, b) for t in o.pay.tiers)])
    tolerance = steepest * D("0.01") + D("0.02")
    for point in break_evens(a, b):
        if point.wrvu is None:
            # "never": one offer pays more at every generated production
            assert point.first_total is None
            continue
        assert abs(offer_total(a, point.wrvu) - offer_total(b, point.wrvu)) <= tolerance
        if point.until is not None:
            middle = ((point.wrvu + point.until) / 2).quantize(CENT)
            assert abs(offer_total(a, middle) - offer_total(b, middle)) <= tolerance


@settings(max_examples=100, deadline=None)
@given(offers("A"), offers("B"), wrvu)
def test_between_break_evens_the_leader_does_not_change(a: Offer, b: Offer, x: D) -> None:
    """The sign of (A - B) at any production equals its sign at 0 flipped once per crossing passed."""
    points = [p for p in break_evens(a, b) if p.wrvu is not None and p.until is None]
    if any(p.until is not None for p in break_evens(a, b)) or any(abs(p.wrvu - x) < 1 for p in points):
        return  # equal ranges, and productions right at a crossing, are covered above
    lead_at_zero = offer_total(a, D(0)) - offer_total(b, D(0))
    passed = sum(1 for p in points if p.wrvu < x and p.wrvu > 0)
    lead = offer_total(a, x) - offer_total(b, x)
    if lead_at_zero == 0 or lead == 0:
        return
    assert (lead > 0) == ((lead_at_zero > 0) != (passed % 2 == 1))


@settings(max_examples=100, deadline=None)
@given(contracts(), wrvu, wrvu)
def test_pay_segments_add_up_and_match_their_rate(contract: Contract, x: D, y: D) -> None:
    start, end = sorted((x, y))
    b = pay_between(contract, start, end)
    assert sum((s.amount for s in b.segments), D(0)) == b.increment
    assert b.increment == contract.compensation(end) - contract.compensation(start)
    for s in b.segments:
        assert abs(s.amount - (s.end - s.start) * s.rate) <= D("0.01")


@settings(max_examples=100, deadline=None)
@given(contracts(), st.decimals(min_value=D("0.01"), max_value=500_000, places=2))
def test_wrvu_for_pay_is_the_fewest_that_reach_the_pay(contract: Contract, pay: D) -> None:
    try:
        needed = wrvu_for_pay(contract, pay)
    except ValueError:
        # only when no wRVU ever pays that much: the top rate is 0
        top = contract.tiers[-1].rate if contract.tiers else contract.dollars_per_wrvu
        assert top == 0
        return
    assert contract.compensation(needed) >= pay
    assert needed == 0 or contract.compensation(needed - CENT) < pay


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.decimals(min_value=D("0.01"), max_value=60, places=2), st.integers(1, 5)),
        min_size=1,
        max_size=4,
    ),
    wrvu,
    wrvu,
)
def test_planned_counts_reach_the_target_and_one_code_is_never_overplanned(
    codes: list[tuple[D, int]], done: D, target: D
) -> None:
    items = [PlanCode(f"C{i}", w, D(share)) for i, (w, share) in enumerate(codes)]
    plan = reverse_plan(items, done=done, target_wrvu=target, weeks=D(10))
    assert plan.done + plan.planned_wrvu >= plan.target_wrvu
    if len(items) == 1 and plan.remaining:
        (count,) = plan.counts
        assert (count.count - 1) * items[0].wrvu < plan.remaining
    for c in plan.counts:
        assert c.per_week * 10 >= c.count and c.per_day * 50 >= c.count
