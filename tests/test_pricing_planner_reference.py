"""The planner's wRVU credit from the real reference database: the values come from the loaded CMS
release (never typed in here), credited per the contract and the release in force."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest

from openrvu.pricing.contract import contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.planner import PlanCode, plan_codes, reverse_plan
from openrvu.tracker.catalog import NATIONAL, Catalog

NOV_2026 = date(2026, 11, 3)
NOV_2025 = date(2025, 11, 3)


@pytest.fixture(scope="module")
def pricing(reference: Any) -> Any:
    return Catalog(reference).pricing


def work_rvu(reference: Any, release: str, hcpcs: str, modifier: str = "") -> Decimal:
    rows = [r for r in reference.rvu_rows(release, hcpcs) if r.modifier == modifier]
    assert rows, f"{hcpcs}-{modifier} is not in {release}"
    return Decimal(rows[0].work_rvu)


def test_each_code_credits_its_work_rvu_of_the_release_in_force(reference: Any, pricing: Any) -> None:
    items = plan_codes(pricing, ["99213", "99214=2", "93010"], on=NOV_2026, locality=NATIONAL)
    release = reference.release_for_date(NOV_2026)[0].name
    assert [i.release for i in items] == [release] * 3
    assert [i.wrvu for i in items] == [work_rvu(reference, release, c) for c in ("99213", "99214", "93010")]
    assert [i.share for i in items] == [1, 2, 1]
    older = plan_codes(pricing, ["99213"], on=NOV_2025, locality=NATIONAL)
    assert older[0].release == reference.release_for_date(NOV_2025)[0].name
    assert older[0].wrvu == work_rvu(reference, older[0].release, "99213")


def test_the_count_is_the_left_wrvu_over_the_real_credit_rounded_up(reference: Any, pricing: Any) -> None:
    (item,) = plan_codes(pricing, ["27447"], on=NOV_2026, locality=NATIONAL)
    each = work_rvu(reference, item.release or "", "27447")
    plan = reverse_plan([item], done=Decimal(3000), target_wrvu=Decimal(4000), weeks=Decimal(10))
    assert plan.counts[0].count == int((Decimal(1000) / each).to_integral_value(ROUND_CEILING))


def test_modifiers_and_contract_switches_change_the_credit(reference: Any, pricing: Any) -> None:
    """A bilateral 20610-50 credits 150% of the work RVU (CMS); a contract crediting both sides in full
    credits 200%; the assistant -80 credits 16%."""
    release = reference.release_for_date(NOV_2026)[0].name
    work = work_rvu(reference, release, "20610")
    (bilateral,) = plan_codes(pricing, ["20610:50"], on=NOV_2026, locality=NATIONAL)
    assert bilateral.label == "20610-50" and bilateral.wrvu == (work * Decimal("1.5")).quantize(
        Decimal("0.01")
    )
    full = contract_from_dict({"reduces_wrvu": {"bilateral": False}})
    (both,) = plan_codes(pricing, ["20610:50"], on=NOV_2026, locality=NATIONAL, contract=full)
    assert both.wrvu == (work * 2).quantize(Decimal("0.01"))
    knee = work_rvu(reference, release, "27447")
    (assist,) = plan_codes(pricing, ["27447:80"], on=NOV_2026, locality=NATIONAL)
    assert assist.wrvu == (knee * Decimal("0.16")).quantize(Decimal("0.01"))


def test_a_frozen_contract_credits_the_frozen_release(reference: Any, pricing: Any) -> None:
    frozen = contract_from_dict({"frozen_release": "RVU25D"})
    (item,) = plan_codes(pricing, ["99214"], on=NOV_2026, locality=NATIONAL, contract=frozen)
    assert item.wrvu == work_rvu(reference, "RVU25D", "99214")


def test_a_date_past_the_loaded_releases_plans_with_the_latest(reference: Any, pricing: Any) -> None:
    (item,) = plan_codes(pricing, ["99213"], on=date(2031, 3, 1), locality=NATIONAL)
    assert item.release == reference.latest_release().name


@pytest.mark.parametrize("token", ["ZZZZZ", "9921", "99213:26", "99213=0", "99213=abc"])
def test_bad_codes_name_the_codes_field(pricing: Any, token: str) -> None:
    with pytest.raises(PricingError) as err:
        plan_codes(pricing, [token], on=NOV_2026, locality=NATIONAL)
    assert err.value.field == "codes"


def test_a_plan_with_real_codes_explains_the_release(pricing: Any) -> None:
    items = plan_codes(pricing, ["99213"], on=NOV_2026, locality=NATIONAL)
    plan = reverse_plan(
        [PlanCode(i.label, i.wrvu, i.share, i.release) for i in items],
        done=Decimal(0),
        target_wrvu=Decimal(100),
        weeks=Decimal(1),
    )
    assert any(f"(release {items[0].release})" in step for step in plan.steps)
