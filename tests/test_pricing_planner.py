"""The planner's arithmetic on worked examples: each docstring shows the sums the test checks."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from openrvu.pricing.contract import contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.job_offers import (
    Offer,
    Scenario,
    break_evens,
    compare_offers,
    comparison_from_data,
    offer_from_dict,
    offer_total,
)
from openrvu.pricing.planner import (
    PlanCode,
    number,
    parse_tiers,
    pay_between,
    reverse_plan,
    wrvu_for_pay,
)

# docs/contracts.md's example: threshold 100, $40 from 0, $50 from 150
TIERED = contract_from_dict({"threshold": 100, "tiers": [{"from": 0, "rate": 40}, {"from": 150, "rate": 50}]})


def test_pay_between_crosses_the_threshold_and_a_tier() -> None:
    """From 80 to 200 wRVU: 80..100 earn nothing (threshold), 100..150 at $40 = 2,000.00,
    150..200 at $50 = 2,500.00; the increment 4,500.00 equals compensation(200) - compensation(80)."""
    b = pay_between(TIERED, D(80), D(200))
    assert [(s.start, s.end, s.rate, s.amount) for s in b.segments] == [
        (D(80), D(100), D(0), D("0.00")),
        (D(100), D(150), D(40), D("2000.00")),
        (D(150), D(200), D(50), D("2500.00")),
    ]
    assert b.pay_at_start == D("0.00") and b.pay_at_end == D("4500.00") and b.increment == D("4500.00")
    assert "below the threshold of 100.00 wRVU" in b.segments[0].text
    assert b.segments[2].text == "150.00 to 200.00 wRVU: 50.00 x $50.00 = $2,500.00"


def test_wrvu_for_pay_inverts_the_tiers() -> None:
    """$2,000 = (150 - 100) x 40 -> 150 wRVU; $4,500 = 2,000 + (200 - 150) x 50 -> 200 wRVU;
    one cent needs the first 0.01 above the threshold (100.01 pays $0.40)."""
    assert wrvu_for_pay(TIERED, D(2000)) == D("150.00")
    assert wrvu_for_pay(TIERED, D(4500)) == D("200.00")
    assert wrvu_for_pay(TIERED, D("0.01")) == D("100.01")
    assert wrvu_for_pay(TIERED, D(0)) == D(0)
    unpaid = contract_from_dict({"threshold": 10})
    with pytest.raises(PricingError) as err:
        wrvu_for_pay(unpaid, D(100))
    assert err.value.field == "target_pay" and "never pays $100.00" in str(err.value)


def test_one_code_needs_the_left_wrvu_over_its_credit_rounded_up() -> None:
    """Target 5,000, done 3,200: 1,800 left. 1,800 / 1.30 = 1,384.62 -> 1,385 procedures.
    12 weeks x 5 days = 60 clinic days: 1,385 / 12 = 115.42 -> 115.5 a week, 1,385 / 60 = 23.08 -> 23.1
    a day (rounded up to 0.1); wRVU 1,800 / 12 = 150.00 a week, 30.00 a day."""
    plan = reverse_plan([PlanCode("99213", D("1.30"))], done=D(3200), target_wrvu=D(5000), weeks=D(12))
    (count,) = plan.counts
    assert plan.remaining == D(1800) and plan.clinic_days == D(60)
    assert (count.count, count.per_week, count.per_day) == (1385, D("115.5"), D("23.1"))
    assert count.wrvu == D("1800.50") and plan.planned_wrvu >= plan.remaining
    assert (plan.wrvu_per_week, plan.wrvu_per_day) == (D("150.00"), D("30.00"))
    assert "1,800.00 / 1.30 = 1384.62 -> 1,385 99213 (rounded up)." in plan.steps
    assert plan.money is None  # no pay terms given


def test_a_mix_keeps_its_proportions() -> None:
    """3 x 99213 (1.30) for each 99214 (1.92): one mix = 3.90 + 1.92 = 5.82 wRVU; 1,800 / 5.82 = 309.28
    mixes; 99213: 3 x 309.28 = 927.84 -> 928; 99214: 309.28 -> 310; together 928 x 1.30 + 310 x 1.92
    = 1,206.40 + 595.20 = 1,801.60 wRVU."""
    plan = reverse_plan(
        [PlanCode("99213", D("1.30"), D(3)), PlanCode("99214", D("1.92"))],
        done=D(3200),
        target_wrvu=D(5000),
        clinic_days=D(60),
    )
    assert [c.count for c in plan.counts] == [928, 310]
    assert plan.planned_wrvu == D("1801.60") and plan.weeks == D(12)
    assert "One mix = 3 x 1.30 + 1 x 1.92 = 5.82 wRVU." in plan.steps


def test_a_pay_target_is_turned_into_wrvu_and_the_money_explained() -> None:
    """Pay target $4,500 under the tiered contract -> 200 wRVU. Done 120 (pays 20 x 40 = $800):
    80 left; 80 / 2.00 = 40 procedures. The target brings 4,500 - 800 = $3,700:
    120..150 at $40 = 1,200, 150..200 at $50 = 2,500."""
    plan = reverse_plan(
        [PlanCode("20610", D("2.00"))], done=D(120), target_pay=D(4500), weeks=D(2), contract=TIERED
    )
    assert plan.target_wrvu == D("200.00") and plan.counts[0].count == 40
    assert plan.money is not None
    assert (plan.money.pay_at_start, plan.money.pay_at_end, plan.money.increment) == (
        D("800.00"),
        D("4500.00"),
        D("3700.00"),
    )
    assert [s.amount for s in plan.money.segments] == [D("1200.00"), D("2500.00")]
    assert plan.brings == D("3700.00") and plan.bonus == 0


def test_a_bonus_on_reaching_the_target_adds_to_what_it_brings() -> None:
    """Done 120, target 200 at the tiered contract: 3,700 for the wRVU + a 1,000 bonus = 4,700; once
    the target is reached the bonus is no longer brought by the plan."""
    code = [PlanCode("20610", D("2.00"))]
    plan = reverse_plan(code, done=D(120), target_wrvu=D(200), weeks=D(2), contract=TIERED, bonus=D(1000))
    assert (plan.bonus, plan.brings) == (D(1000), D("4700.00"))
    assert "Bonus $1,000.00 on reaching the target." in plan.steps
    assert plan.steps[-1] == "In all the target brings $4,700.00."
    reached = reverse_plan(code, done=D(250), target_wrvu=D(200), weeks=D(2), bonus=D(1000))
    assert (reached.bonus, reached.brings) == (D(0), D("0.00"))
    assert "Bonus $1,000.00 already earned: the target is reached." in reached.steps


def test_a_reached_target_needs_nothing_more() -> None:
    plan = reverse_plan([PlanCode("99213", D("1.30"))], done=D(6000), target_wrvu=D(5000), weeks=D(4))
    assert plan.remaining == 0 and plan.counts[0].count == 0
    assert "The target is already reached: nothing more is needed." in plan.steps


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target_wrvu": D(-1), "weeks": D(1)}, "target_wrvu"),
        ({"weeks": D(1)}, "target"),
        ({"target_wrvu": D(10), "target_pay": D(10), "weeks": D(1)}, "target"),
        ({"target_wrvu": D(10)}, "weeks"),
        ({"target_wrvu": D(10), "weeks": D(0)}, "weeks"),
        ({"target_wrvu": D(10), "weeks": D(1), "days_per_week": D(8)}, "days_per_week"),
    ],
)
def test_bad_plan_input_names_the_field(kwargs: dict[str, D], field: str) -> None:
    with pytest.raises(PricingError) as err:
        reverse_plan([PlanCode("99213", D("1.30"))], done=D(0), **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_a_code_that_credits_nothing_cannot_be_planned_with() -> None:
    with pytest.raises(PricingError) as err:
        reverse_plan([PlanCode("99211-TC", D("0"))], done=D(0), target_wrvu=D(5), weeks=D(1))
    assert err.value.field == "codes" and "99211-TC credits 0.00 wRVU" in str(err.value)


ACADEMIC = {"name": "Academic", "base_salary": 300000, "threshold": 6000, "dollars_per_wrvu": 50}
PRIVATE = {"name": "Private", "base_salary": 250000, "threshold": 4000, "dollars_per_wrvu": 45}


def test_two_offers_break_even_twice() -> None:
    """Academic pays 300,000 up to 6,000 wRVU, then 50 a wRVU; Private 250,000 + 45 x (x - 4,000).
    They meet at 250,000 + 45 (x - 4,000) = 300,000 -> x = 4,000 + 50,000 / 45 = 5,111.11, and above
    6,000 at 300,000 + 50 (x - 6,000) = 70,000 + 45 x -> 5 x = 70,000 -> x = 14,000 (both $700,000)."""
    a, b = offer_from_dict(ACADEMIC), offer_from_dict(PRIVATE, "offers[2]")
    points = break_evens(a, b)
    assert [p.wrvu for p in points] == [D("5111.11"), D("14000.00")]
    assert (points[1].first_total, points[1].second_total) == (D("700000.00"), D("700000.00"))
    assert points[0].first_total == D("300000.00") and abs(points[0].second_total - D(300000)) <= D("0.25")
    assert "below it Academic pays more, above it Private pays more" in points[0].text
    assert "below it Private pays more, above it Academic pays more" in points[1].text


def test_each_scenario_has_its_winner_and_every_figure_is_explained() -> None:
    """At 5,000 wRVU: Academic 300,000 (effective 300,000 / 5,000 = $60.00), Private 250,000 + 45 x 1,000
    = 295,000. At 6,000: Private 250,000 + 45 x 2,000 = 340,000 beats 300,000 by 40,000."""
    result = compare_offers(
        [offer_from_dict(ACADEMIC), offer_from_dict(PRIVATE, "offers[2]")],
        [Scenario("low", D(5000)), Scenario("expected", D(6000))],
    )
    low, expected = result.results
    assert [r.total for r in low] == [D("300000.00"), D("295000.00")]
    assert low[0].effective_rate == D("60.00")
    assert [r.total for r in expected] == [D("300000.00"), D("340000.00")]
    assert result.winners == (("Academic",), ("Private",))
    assert result.verdicts[1].endswith("Private pays most: $340,000.00, $40,000.00 more than the next.")
    assert "productivity pay: $90,000.00" in expected[1].lines[2]
    assert "4,000.00 to 6,000.00 wRVU: 2,000.00 x $45.00 = $90,000.00" in expected[1].lines[2]


def test_fte_signing_bonus_over_years_and_the_target() -> None:
    """0.8 FTE at 6,000 wRVU per FTE works 4,800: 200,000 + 40 x (4,800 - 4,000) = 232,000, plus
    the signing bonus 20,000 / 2 years = 10,000 and 5,000 a year: 247,000; per FTE 247,000 / 0.8 =
    308,750; the target of 5,000 is missed by 200."""
    offer = offer_from_dict(
        {
            "name": "Part time",
            "base_salary": "$200,000",
            "threshold": 4000,
            "dollars_per_wrvu": 40,
            "signing_bonus": 20000,
            "annual_bonus": 5000,
            "fte": "0.8",
            "wrvu_target": 5000,
        }
    )
    other = Offer("Flat", base_salary=D(250000))
    result = compare_offers([offer, other], [Scenario("expected", D(6000))], years=2)
    pay = result.results[0][0]
    assert (pay.wrvu, pay.signing_share, pay.total, pay.per_fte) == (
        D("4800.0"),
        D("10000.00"),
        D("247000.00"),
        D("308750.00"),
    )
    assert pay.target_gap == D(-200)
    assert "signing bonus: $20,000.00 / 2 year(s) = $10,000.00" in pay.lines
    assert any("is short of it (-200.00)" in line for line in pay.lines)


def test_offers_that_never_meet_and_identical_offers() -> None:
    rich = Offer("Rich", base_salary=D(400000), pay=contract_from_dict({"dollars_per_wrvu": 60}))
    poor = Offer("Poor", base_salary=D(100000), pay=contract_from_dict({"dollars_per_wrvu": 50}))
    (never,) = break_evens(rich, poor)
    assert never.wrvu is None and never.text.startswith("Rich pays more than Poor at every wRVU")
    (same,) = break_evens(rich, Offer("Twin", base_salary=D(400000), pay=rich.pay))
    assert same.wrvu == 0 and same.until is None and "pay the same from 0.00" in same.text


@pytest.mark.parametrize(
    ("offer", "field"),
    [
        ({"name": "X", "base_salary": -1}, "offers[1].base_salary"),
        ({"name": "X", "tiers": [{"from": 5000, "rate": 50}, {"from": 0, "rate": 40}]}, "offers[1].tiers"),
        ({"name": "X", "tiers": [{"from": 0, "rate": -4}]}, "offers[1].tiers[0].rate"),
        ({"name": "X", "dollars_per_wrvu": 40, "tiers": [{"from": 0, "rate": 40}]}, "offers[1].tiers"),
        ({"name": "X", "fte": 0}, "offers[1].fte"),
        ({"name": "X", "threshold": "lots"}, "offers[1].threshold"),
        ({"name": "X", "salary": 1}, "offers[1]"),
    ],
)
def test_bad_offers_name_the_field(offer: dict[str, object], field: str) -> None:
    with pytest.raises(PricingError) as err:
        offer_from_dict(offer)
    assert err.value.field == field


def test_a_comparison_needs_two_to_four_named_offers_and_a_scenario() -> None:
    one = {"offers": [ACADEMIC], "scenarios": {"expected": 5000}}
    with pytest.raises(PricingError, match="compare 2 to 4 offers"):
        comparison_from_data(one)
    twins = {"offers": [ACADEMIC, ACADEMIC], "scenarios": {"expected": 5000}}
    with pytest.raises(PricingError, match="different name"):
        comparison_from_data(twins)
    with pytest.raises(PricingError) as err:
        comparison_from_data({"offers": [ACADEMIC, PRIVATE], "scenarios": {}})
    assert err.value.field == "expected"
    with pytest.raises(PricingError) as err:
        comparison_from_data({"offers": [ACADEMIC, PRIVATE], "scenarios": {"expected": 1}, "years": 0})
    assert err.value.field == "years"


def test_numbers_and_tiers_as_typed() -> None:
    assert number("$1,250.50", "x") == D("1250.50")
    for bad in ("abc", "-1", "NaN", "Infinity", "", True):
        with pytest.raises(PricingError) as err:
            number(bad, "base_salary")
        assert err.value.field == "base_salary"
    assert parse_tiers("0:45, 6000=52\n7000:$60") == [
        {"from": D(0), "rate": D(45)},
        {"from": D(6000), "rate": D(52)},
        {"from": D(7000), "rate": D(60)},
    ]
    with pytest.raises(PricingError, match="not FROM:RATE"):
        parse_tiers("6000")


def test_offer_total_is_the_contract_compensation_plus_the_fixed_parts() -> None:
    offer = offer_from_dict(
        {
            "name": "T",
            "base_salary": 1000,
            "threshold": 100,
            "tiers": [{"from": 0, "rate": 40}, {"from": 150, "rate": 50}],
        }
    )
    assert offer_total(offer, D(200)) == D(1000) + TIERED.compensation(D(200))
