"""``Contract.segments``: where each pay tier starts and ends once the threshold is applied."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.pricing.contract import Contract, Segment, Tier, contract_from_dict


def test_flat_rate_without_threshold_is_one_open_segment_from_zero() -> None:
    assert Contract(dollars_per_wrvu=D(45)).segments() == (Segment(D(0), None, D(45)),)


def test_flat_rate_with_threshold_starts_at_the_threshold() -> None:
    contract = contract_from_dict({"dollars_per_wrvu": 50, "threshold": 4000})
    assert contract.segments() == (Segment(D(4000), None, D(50)),)


def test_default_contract_is_one_segment_at_no_pay() -> None:
    assert Contract().segments() == (Segment(D(0), None, D(0)),)


def test_threshold_inside_a_tier_moves_its_start_and_keeps_the_next_tier() -> None:
    contract = contract_from_dict(
        {"threshold": 100, "tiers": [{"from": 0, "rate": 40}, {"from": 150, "rate": 50}]}
    )
    assert contract.segments() == (Segment(D(100), D(150), D(40)), Segment(D(150), None, D(50)))


def test_a_tier_that_ends_at_or_below_the_threshold_has_no_segment() -> None:
    tiers = [{"from": 0, "rate": 30}, {"from": 3000, "rate": 40}, {"from": 5000, "rate": 55}]
    at = contract_from_dict({"threshold": 3000, "tiers": tiers})
    assert at.segments() == (Segment(D(3000), D(5000), D(40)), Segment(D(5000), None, D(55)))
    above = contract_from_dict({"threshold": 6000, "tiers": tiers})
    assert above.segments() == (Segment(D(6000), None, D(55)),)


def test_a_first_tier_above_zero_leaves_the_wrvu_below_it_unpaid() -> None:
    contract = contract_from_dict({"tiers": [{"from": 1000, "rate": 45}]})
    assert contract.segments() == (Segment(D(1000), None, D(45)),)
    assert contract.compensation(D(999)) == D("0.00")
    assert contract.compensation(D(1010)) == D("450.00")


def test_segments_unpack_as_start_end_rate() -> None:
    (start, end, rate), *_ = contract_from_dict({"dollars_per_wrvu": "52.5", "threshold": 10}).segments()
    assert (start, end, rate) == (D(10), None, D("52.5"))


amounts = st.integers(min_value=0, max_value=2_000).map(D)
rates = st.integers(min_value=0, max_value=9_000).map(lambda n: D(n) / 100)


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    starts = sorted(set(draw(st.lists(amounts, min_size=0, max_size=4))))
    tiers = tuple(Tier(s, draw(rates)) for s in starts)
    return Contract(dollars_per_wrvu=draw(rates), threshold=draw(amounts), tiers=tiers)


def rate_of_unit(contract: Contract, k: int) -> D:
    """The contract's terms read literally: what the wRVU from k to k+1 earns."""
    if k < contract.threshold:
        return D(0)
    tiers = contract.tiers or (Tier(D(0), contract.dollars_per_wrvu),)
    return next((t.rate for t in reversed(tiers) if t.start <= k), D(0))


@settings(max_examples=150, deadline=None)
@given(contracts(), st.integers(min_value=0, max_value=2_500))
def test_segments_are_adjacent_and_give_each_wrvu_its_tier_rate(contract: Contract, wrvu: int) -> None:
    segments = contract.segments()
    assert segments and segments[-1].end is None
    assert all(s.start >= contract.threshold for s in segments)
    # adjacent and non-empty: each segment ends where the next begins, past its own start
    assert all(a.end == b.start and a.start < b.start for a, b in zip(segments, segments[1:], strict=False))

    def segment_rate(k: int) -> D:
        inside = [s for s in segments if s.start <= k and (s.end is None or k < s.end)]
        assert len(inside) <= 1
        return inside[0].rate if inside else D(0)

    units = [rate_of_unit(contract, k) for k in range(wrvu)]
    assert [segment_rate(k) for k in range(wrvu)] == units
    assert contract.compensation(D(wrvu)) == sum(units, D(0)).quantize(D("0.01"))
