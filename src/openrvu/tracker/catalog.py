"""Validation and pricing of log lines: the tracker's one door to the reference data and pricing engine.

A ``Catalog`` wraps a reference database (``openrvu.reference.db.ReferenceDB``) and the pricing
service (``openrvu.pricing.service.PricingService``). It is long-lived (one per app): the pricing
service caches the RVU rows it has read.

The lines of one encounter (one user, one date, one encounter token: see ``entries``) are priced
together (multiple-procedure ranking, bilateral rules), never the lines of other patients that day.
A user without a ZIP or locality is priced at national amounts (every GPCI 1.000), and the note on
the line says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from openrvu.cms.models import GpciRow
from openrvu.pricing.contract import Contract, contract_from_dict
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput, PricedLine, Provider
from openrvu.pricing.pos import place_of_service
from openrvu.pricing.service import PricingService, parse_locality
from openrvu.tracker.errors import InvalidInput, UnknownCode, UnknownModifier
from openrvu.tracker.models import User

NATIONAL = "national"
_NATIONAL_NOTE = "national amount: set your ZIP code or locality in your profile for local payment"
_FIELD_NAMES = {"date": "date_of_service", "hcpcs": "hcpcs", "modifiers": "modifiers", "units": "units"}


@dataclass(frozen=True, slots=True)
class LineSpec:
    """A log line as the tracker validates and prices it."""

    date_of_service: date
    hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    pos: str


@dataclass(frozen=True, slots=True)
class LinePrice:
    """What the tracker stores of a priced line. ``allowed`` is None when the contractor prices it."""

    release: str | None
    wrvu: Decimal | None
    allowed: Decimal | None
    note: str | None
    priced: PricedLine | None = None


class _TrackerPricing(PricingService):
    """The pricing service, plus national amounts (GPCIs of 1) for users who gave no locality."""

    def gpci(self, release: str, locality: str) -> GpciRow:
        if locality == NATIONAL:
            one = Decimal("1.000")
            return GpciRow("00000", "00", "", "National (GPCI 1.000)", one, None, one, one)
        return super().gpci(release, locality)


def to_tracker_error(exc: PricingError) -> InvalidInput:
    """The tracker error for a pricing error: unknown code and modifier get their own classes."""
    message = exc.detail
    if exc.field == "hcpcs":
        return UnknownCode(message.split(":", 1)[0].strip(), message)
    if exc.field == "modifiers":
        named = re.search(r"modifiers? '?([0-9A-Z]{2})'?", message)
        return UnknownModifier(named.group(1) if named else "", message)
    field = _FIELD_NAMES.get(exc.field or "", exc.field or "line")
    return InvalidInput(field, message, code=f"invalid_{field}")


def user_contract(user: User) -> Contract:
    """The user's contract: credit switches from the profile, paid at the profile's $ per wRVU."""
    data = dict(user.contract or {})
    if user.dollars_per_wrvu is not None and "tiers" not in data:
        data["dollars_per_wrvu"] = str(user.dollars_per_wrvu)
    return contract_from_dict(data)


def user_locality(user: User) -> str:
    """The locality the user's lines are priced in: carrier-locality, else ZIP, else national."""
    return user.locality or user.zip_code or NATIONAL


class Catalog:
    """Validate and price log lines against a reference database."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.pricing = _TrackerPricing(reference)

    def check_pos(self, pos: str) -> str:
        """The normalised POS code; ``InvalidInput`` on field ``pos`` when unknown."""
        try:
            return place_of_service(pos).code
        except PricingError as exc:
            raise InvalidInput("pos", exc.detail, code="unknown_pos") from None

    def check_locality(self, value: str, on: date) -> str:
        """A carrier-locality ('01112-05') or ZIP that the release in force on ``on`` knows, normalised."""
        try:
            parsed = parse_locality(value)
            release = self.pricing.release_name(self.awaited_stand_in(on) or on)
            row = self.pricing.gpci(release, value.strip())
        except PricingError as exc:
            raise InvalidInput("locality", exc.detail, code="unknown_locality") from None
        if isinstance(parsed, str):
            return parsed
        return f"{row.carrier}-{row.locality}"

    def awaited_stand_in(self, day: date) -> date | None:
        """For a date in a year after every loaded release (on 1 January, before the user loads the
        year's first release): the effective date of the latest release, to validate against.
        ``None`` for a date some loaded year covers, or one before them (those are errors)."""
        try:
            latest = self.reference.latest_release()
        except LookupError:
            return None
        return latest.effective_date if day.year > latest.year else None

    def check_release(self, name: str) -> str:
        """The canonical name of a loaded release ('rvu25d' -> 'RVU25D'); ``InvalidInput`` otherwise."""
        try:
            return str(self.reference.release(name).name)
        except LookupError as exc:
            raise InvalidInput("contract", str(exc), code="unknown_release") from None

    def check_line(self, spec: LineSpec, user: User) -> LinePrice:
        """Validate one line alone (code, modifiers, units, POS, date) and return its stand-alone price."""
        return self.price_day([spec], user)[0]

    def price_day(self, specs: Sequence[LineSpec], user: User) -> list[LinePrice]:
        """Price the lines of one encounter (all of one date) together; raises the tracker error of the
        first bad line. The caller chooses the group: ``entries.encounter_groups``."""
        if not specs:
            return []
        day = specs[0].date_of_service
        lines = [LineInput(s.hcpcs, s.modifiers, s.units, s.pos) for s in specs]
        locality = user_locality(user)
        try:
            result = self.pricing.price(
                lines,
                on=day,
                locality=locality,
                provider=Provider(npp=user.provider_kind == "npp"),
                contract=user_contract(user),
            )
        except PricingError as exc:
            stand_in = self.awaited_stand_in(day) if exc.field == "date" else None
            if stand_in is None:
                raise to_tracker_error(exc) from None
            # The year's release is not loaded yet: check the lines against the latest release (a bad
            # code is still refused), keep them unpriced, and let loading the release price them
            # (tracker.release_sync re-prices lines whose release is now known).
            checked = self.price_day([replace(s, date_of_service=stand_in) for s in specs], user)
            waiting = (
                f"not priced yet: no {day.year} RVU release is loaded (checked against "
                f"{checked[0].release}); it is priced when one is loaded"
            )
            return [LinePrice(None, None, None, waiting) for _ in specs]
        except LookupError as exc:  # the reference data no longer has the contract's frozen release
            raise InvalidInput("contract", str(exc), code="unknown_release") from None
        note = _NATIONAL_NOTE if locality == NATIONAL else None
        return [_line_price(p, note) for p in result.lines]

    def price_day_lenient(self, specs: Sequence[LineSpec], user: User) -> list[LinePrice]:
        """Price an encounter; if it fails as a whole (data changed since logging), price each line alone.

        A line that still cannot be priced keeps no figures and says why in its note: it is never lost.
        """
        try:
            return self.price_day(specs, user)
        except InvalidInput:
            out = []
            for spec in specs:
                try:
                    out.append(self.check_line(spec, user))
                except InvalidInput as exc:
                    out.append(LinePrice(None, None, None, f"not priced: {exc.message}"[:255]))
            return out


def _line_price(p: PricedLine, note: str | None) -> LinePrice:
    if p.allowed is None:
        note = "contractor-priced: no CMS amount" + (f"; {note}" if note else "")
    return LinePrice(p.release, p.wrvu, p.allowed, note, p)
