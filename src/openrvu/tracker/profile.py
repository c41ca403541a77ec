"""The user's profile: what pricing (locality, provider kind, contract) and the dashboard (goal, FTE,
$ per wRVU) need. Changing a pricing field re-prices the user's lines."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from openrvu.pricing.contract import REDUCTIONS, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.tracker import audit
from openrvu.tracker.catalog import Catalog
from openrvu.tracker.entries import reprice_all
from openrvu.tracker.errors import FormErrors, InvalidInput
from openrvu.tracker.models import PROVIDER_KINDS, User, utcnow

FIELDS = (
    "specialty",
    "zip_code",
    "locality",
    "default_pos",
    "provider_kind",
    "dollars_per_wrvu",
    "annual_wrvu_goal",
    "fte",
    "contract",
)
PRICING_FIELDS = frozenset({"zip_code", "locality", "provider_kind", "contract"})
#: The contract keys a profile may set (credit switches and how they apply; pay comes from the profile).
CONTRACT_KEYS = frozenset(
    {"reduces_wrvu", "credit_non_payable", "team_share", "increased_pct", "frozen_release"}
)
_LIMITS = {
    "dollars_per_wrvu": (Decimal(0), Decimal(10_000)),
    "annual_wrvu_goal": (Decimal(0), Decimal(100_000)),
    "fte": (Decimal("0.01"), Decimal(2)),
}


def profile_dict(user: User) -> dict[str, Any]:
    """The profile as plain values (for forms and the JSON API)."""
    switches = dict.fromkeys(REDUCTIONS, True) | dict((user.contract or {}).get("reduces_wrvu", {}))
    return {
        "email": user.email,
        "role": user.role,
        "specialty": user.specialty,
        "zip_code": user.zip_code,
        "locality": user.locality,
        "default_pos": user.default_pos,
        "provider_kind": user.provider_kind,
        "dollars_per_wrvu": None if user.dollars_per_wrvu is None else str(user.dollars_per_wrvu),
        "annual_wrvu_goal": None if user.annual_wrvu_goal is None else str(user.annual_wrvu_goal),
        "fte": str(user.fte),
        "contract": dict(user.contract or {}) | {"reduces_wrvu": switches},
    }


def _decimal(name: str, value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        if name == "fte":
            raise InvalidInput(name, "enter your FTE, e.g. 1.0 or 0.8")
        return None
    low, high = _LIMITS[name]
    try:
        number = Decimal(str(value).strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise InvalidInput(name, f"enter a number from {low} to {high}") from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInput(name, f"enter a number from {low} to {high}")
    return number


def _clean(name: str, value: Any, catalog: Catalog | None) -> Any:
    text = "" if value is None else str(value).strip()
    if name == "specialty":
        if len(text) > 100:
            raise InvalidInput(name, "at most 100 characters")
        return text or None
    if name == "zip_code":
        if text and not (len(text) == 5 and text.isdigit()):
            raise InvalidInput(name, "a 5-digit ZIP code, e.g. 94110")
        if text and catalog is not None:
            catalog.check_locality(text, utcnow().date())
        return text or None
    if name == "locality":
        if text and catalog is not None:
            return catalog.check_locality(text, utcnow().date())
        if text and not (len(text) == 8 and text[5] == "-"):
            raise InvalidInput(name, "carrier and locality, e.g. 01112-05")
        return text or None
    if name == "default_pos":
        if catalog is None:
            if not (len(text) == 2 and text.isdigit()):
                raise InvalidInput(name, "a 2-digit place of service, e.g. 11")
            return text
        return catalog.check_pos(text)
    if name == "provider_kind":
        if text not in PROVIDER_KINDS:
            raise InvalidInput(name, "physician or npp (nurse practitioner, PA, CNS)")
        return text
    if name == "contract":
        contract = _contract(value)
        if "frozen_release" in contract and catalog is not None:
            contract["frozen_release"] = catalog.check_release(contract["frozen_release"])
        return contract
    return _decimal(name, value)


def _contract(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput("contract", "the contract credit settings are a set of switches")
    data = dict(value)
    unknown = sorted(set(data) - CONTRACT_KEYS)
    if unknown:
        raise InvalidInput("contract", f"unknown contract setting(s): {', '.join(unknown)}")
    try:
        parsed = contract_from_dict(data)
    except PricingError as exc:
        raise InvalidInput("contract", exc.detail.replace("<contract>: ", "")) from None
    out: dict[str, Any] = {"reduces_wrvu": dict(parsed.reduces_wrvu)}
    if "credit_non_payable" in data:
        out["credit_non_payable"] = parsed.credit_non_payable
    if "team_share" in data:
        out["team_share"] = str(parsed.team_share)
    if "increased_pct" in data:
        out["increased_pct"] = str(parsed.increased_pct)
    if parsed.frozen_release:
        out["frozen_release"] = parsed.frozen_release
    return out


def update_profile(
    session: Session, user: User, changes: Mapping[str, Any], catalog: Catalog | None = None
) -> User:
    """Apply the given profile fields (others unchanged); ``FormErrors`` names every bad field.

    With a ``catalog``, the ZIP/locality and POS are checked against the reference data, and a change
    to a pricing field re-prices all of the user's lines.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in FIELDS:
            errors[name] = "not a profile field"
            continue
        try:
            clean[name] = _clean(name, value, catalog)
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise FormErrors(errors)
    before = profile_dict(user)
    for name, value in clean.items():
        setattr(user, name, value)
    after = profile_dict(user)
    changed = {k for k in clean if before.get(k) != after.get(k)}
    if not changed:
        return user
    audit.record(
        session,
        actor_id=user.id,
        action="update",
        entity="profile",
        entity_id=user.id,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    session.commit()
    if catalog is not None and changed & PRICING_FIELDS:
        reprice_all(session, user, catalog)
    return user
