"""Contract credit: the second ledger, what an employment contract credits in wRVU and pays per wRVU.

A ``Contract`` is loaded from a TOML or JSON file (see ``docs/contracts.md``). Every field is optional;
the defaults follow CMS (each payment reduction also reduces the credited wRVU):

- ``name`` (default "CMS-consistent")
- ``[reduces_wrvu]``: one switch per reduction, each default ``true`` (CMS-consistent):
  ``bilateral`` (150% rule), ``multiple_procedure`` (-51 ranking, endoscopy base, imaging PC 5%),
  ``assistant`` (80/81/82/AS), ``co_surgeon`` (62), ``team`` (66), ``reduced`` (52). ``false`` credits
  the full work RVU for that case (both sides in full for a bilateral procedure).
- ``credit_non_payable`` (default ``false``): whether rows not paid under the PFS (status B, I, N, X, ...,
  a bundled status T) still earn their listed work RVU.
- ``team_share`` (default 0.625): the share of the work RVU credited for team surgery when ``team``
  reduces credit (CMS prices team surgery by report; no CMS percentage exists, so this is a choice).
- ``increased_pct`` (default 100): the credit for modifier 22, in percent of the work RVU.
- ``frozen_release`` (default none): credit every line at the work RVUs of this release (for example
  "RVU25D"), whatever the date of service; the difference to the current release is shown per line.
- ``dollars_per_wrvu`` (default 0), ``threshold`` (default 0) and ``tiers`` (default none): compensation.
  wRVUs up to ``threshold`` earn nothing; above it, each wRVU earns the rate of the tier it falls in.
  A tier is ``{from = WRVU, rate = DOLLARS}``: the rate applies from that cumulative wRVU on. Without
  tiers, ``dollars_per_wrvu`` applies to every wRVU above the threshold.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from openrvu.pricing.errors import PricingError

REDUCTIONS = ("bilateral", "multiple_procedure", "assistant", "co_surgeon", "team", "reduced")


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``start`` cumulative wRVU on, each wRVU earns ``rate`` dollars."""

    start: Decimal
    rate: Decimal


class Segment(NamedTuple):
    """The wRVU from ``start`` up to ``end`` (None: no end) each earn ``rate`` dollars."""

    start: Decimal
    end: Decimal | None
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Contract:
    """How a contract credits wRVU and pays for it; the defaults are CMS-consistent."""

    name: str = "CMS-consistent"
    reduces_wrvu: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(REDUCTIONS, True))
    credit_non_payable: bool = False
    team_share: Decimal = Decimal("0.625")
    increased_pct: Decimal = Decimal("100")
    frozen_release: str | None = None
    dollars_per_wrvu: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    tiers: tuple[Tier, ...] = ()

    def reduces(self, reduction: str) -> bool:
        """Whether this payment reduction also reduces the credited wRVU."""
        return self.reduces_wrvu.get(reduction, True)

    def segments(self) -> tuple[Segment, ...]:
        """The paid wRVU ranges, in order: one ``Segment(start, end, rate)`` per tier, starting no lower
        than the threshold (``end`` is None for the top tier, which has no end).

        Below the first segment's start nothing is earned. A tier that ends at or below the threshold
        earns nothing and has no segment. Without tiers there is one segment, from the threshold on at
        ``dollars_per_wrvu``. ``compensation``, the planner and the job-offer comparison all read the
        tier boundaries from here.
        """
        tiers = self.tiers or (Tier(Decimal("0"), self.dollars_per_wrvu),)
        out = []
        for i, tier in enumerate(tiers):
            start = max(tier.start, self.threshold)
            end = tiers[i + 1].start if i + 1 < len(tiers) else None
            if end is None or end > start:
                out.append(Segment(start, end, tier.rate))
        return tuple(out)

    def compensation(self, wrvu: Decimal) -> Decimal:
        """Dollars earned for ``wrvu`` credited wRVUs: nothing up to the threshold, then by tier."""
        if wrvu <= self.threshold:
            return Decimal("0.00")
        total = Decimal("0")
        for segment in self.segments():
            top = wrvu if segment.end is None else min(wrvu, segment.end)
            if top > segment.start:
                total += (top - segment.start) * segment.rate
        return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


DEFAULT_CONTRACT = Contract()


def _decimal(value: Any, name: str, path: Path) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise PricingError(f"{path}: {name} must be a number, got {value!r}", field=name) from None
    if not result.is_finite() or result < 0:
        raise PricingError(f"{path}: {name} must be a number >= 0, got {value!r}", field=name)
    return result


def contract_from_dict(data: dict[str, Any], path: Path = Path("<contract>")) -> Contract:
    """Build a Contract from parsed TOML/JSON, rejecting unknown keys and bad values with their name."""
    known = {
        "name",
        "reduces_wrvu",
        "credit_non_payable",
        "team_share",
        "increased_pct",
        "frozen_release",
        "dollars_per_wrvu",
        "threshold",
        "tiers",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise PricingError(f"{path}: unknown contract key(s) {', '.join(unknown)}", field="contract")
    switches = dict.fromkeys(REDUCTIONS, True)
    for key, value in dict(data.get("reduces_wrvu", {})).items():
        if key not in switches:
            raise PricingError(
                f"{path}: unknown reduction {key!r} (expected one of {', '.join(REDUCTIONS)})",
                field="reduces_wrvu",
            )
        if not isinstance(value, bool):
            raise PricingError(f"{path}: reduces_wrvu.{key} must be true or false", field="reduces_wrvu")
        switches[key] = value
    tiers = []
    for i, tier in enumerate(data.get("tiers", [])):
        if not isinstance(tier, dict) or set(tier) != {"from", "rate"}:
            raise PricingError(f"{path}: tiers[{i}] must be {{from = WRVU, rate = DOLLARS}}", field="tiers")
        tiers.append(
            Tier(
                _decimal(tier["from"], f"tiers[{i}].from", path),
                _decimal(tier["rate"], f"tiers[{i}].rate", path),
            )
        )
    starts = [t.start for t in tiers]
    # strictly increasing: of two tiers with the same 'from', the first would cover no wRVU at all
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        raise PricingError(f"{path}: tiers must be in strictly increasing order of 'from'", field="tiers")
    frozen = data.get("frozen_release")
    return Contract(
        name=str(data.get("name", "CMS-consistent")),
        reduces_wrvu=switches,
        credit_non_payable=bool(data.get("credit_non_payable", False)),
        team_share=_decimal(data.get("team_share", "0.625"), "team_share", path),
        increased_pct=_decimal(data.get("increased_pct", "100"), "increased_pct", path),
        frozen_release=str(frozen) if frozen else None,
        dollars_per_wrvu=_decimal(data.get("dollars_per_wrvu", "0"), "dollars_per_wrvu", path),
        threshold=_decimal(data.get("threshold", "0"), "threshold", path),
        tiers=tuple(tiers),
    )


def load_contract(path: str | Path) -> Contract:
    """Read a contract from a ``.toml`` or ``.json`` file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PricingError(f"cannot read contract file {path}: {exc.strerror}", field="contract") from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PricingError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}",
            field="contract",
        ) from None
    if not isinstance(data, dict):
        raise PricingError(f"{path}: a contract is a table of settings", field="contract")
    return contract_from_dict(data, path)
