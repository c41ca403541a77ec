"""The pricing service: resolves typed lines against the reference database, then calls the engine.

It chooses the release in force on the date of service (rule 21), the payment locality from a
carrier-locality or a ZIP code (rule 4: a locality is the pair (carrier, locality), never the 2-digit
number alone), the setting from the place of service (rule 5), the GPCI row, the anesthesia CF, and
the -26/-TC and endoscopic-base rows the engine's encounter rules need. Every bad input is a
``PricingError`` naming the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from openrvu.cms.models import GpciRow, RvuRow
from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract
from openrvu.pricing.engine import price_encounter
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import CreditRows, EncounterResult, LineInput, Provider, ResolvedLine
from openrvu.pricing.modifiers import check_modifiers, row_modifier
from openrvu.pricing.pos import normalize_pos, place_of_service
from openrvu.pricing.warnings import BillingWarning, CodedLine, billing_warnings

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_CARRIER_LOCALITY = re.compile(r"^\d{5}-?\d{2}$")
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_PCTC_WORDS = {
    "0": "a physician service",
    "2": "a professional-component-only code",
    "3": "a technical-component-only code",
    "4": "a global-test-only code",
    "5": "an incident-to code",
    "6": "a laboratory physician interpretation code (TC not allowed)",
    "7": "a physical therapy code",
    "8": "a physician interpretation code",
    "9": "a code where PC/TC does not apply",
}


def parse_locality(value: str) -> tuple[str, str] | str:
    """'01112-05' or '0111205' -> ('01112', '05'); a ZIP ('94110' or '94110-1234') -> '94110'."""
    text = str(value).strip()
    if _CARRIER_LOCALITY.match(text):
        return text[:5], text[-2:]
    if m := _ZIP.match(text):
        return m.group(1)
    if text.isdigit() and len(text) <= 2:
        raise PricingError(
            f"locality {text!r} alone is ambiguous: give carrier and locality, e.g. 01112-05, or a ZIP code",
            field="locality",
        )
    raise PricingError(
        f"locality {text!r} is neither carrier-locality (e.g. 01112-05) nor a 5-digit ZIP", field="locality"
    )


def parse_code(token: str) -> LineInput:
    """'27447:80x2' -> LineInput('27447', ('80',), 2): CODE[:MOD[:MOD]][xUNITS] as typed on the CLI."""
    text = token.strip().upper()
    units = 1
    if m := re.match(r"^(.*?)X(-?\d+)$", text):
        text, units = m.group(1), int(m.group(2))
    code, *mods = text.split(":")
    if not re.fullmatch(r"[0-9A-Z]{5}", code):
        raise PricingError(f"{token!r}: a HCPCS code is 5 letters or digits", field="hcpcs")
    return LineInput(code, tuple(m for m in mods if m), units)


def _memo(cache: dict[_K, _V | PricingError], key: _K, compute: Callable[..., _V], *args: Any) -> _V:
    """``compute(*args)`` once per key, its ``PricingError`` cached too: a bulk file repeats bad inputs."""
    if key not in cache:
        try:
            cache[key] = compute(*args)
        except PricingError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, PricingError):
        raise found
    return found


class PricingService:
    """Prices lines against a reference database (``openrvu.reference.db.ReferenceDB``)."""

    def __init__(self, db: Any, contract: Contract = DEFAULT_CONTRACT) -> None:
        self.db = db
        self.contract = contract
        self._rows: dict[tuple[str, str, str], RvuRow | None] = {}
        self._releases: dict[date, str | PricingError] = {}
        self._gpcis: dict[tuple[str, str], GpciRow | PricingError] = {}

    def release_name(self, on: date) -> str:
        """The release in force on a date; ``PricingError`` when none is loaded for it (cached per date)."""
        return _memo(self._releases, on, self._release_name, on)

    def _release_name(self, on: date) -> str:
        try:
            release, _warnings = self.db.release_for_date(on)
        except LookupError:
            release = None
        if release is None:
            raise PricingError(
                f"no loaded RVU release covers the date of service {on.isoformat()}", field="date"
            )
        return str(release.name)

    def row(self, release: str, hcpcs: str, modifier: str) -> RvuRow | None:
        """One RVU row, cached (a bulk file asks for the same few thousand rows again and again)."""
        key = (release, hcpcs, modifier)
        if key not in self._rows:
            # one query brings every row of the code (global, -26, -TC, -53): the engine needs them together
            for mod in ("", "26", "TC", "53"):
                self._rows.setdefault((release, hcpcs, mod), None)
            for row in self.db.rvu_rows(release, hcpcs):
                self._rows[(release, hcpcs, row.modifier)] = row
            if key not in self._rows:
                self._rows[key] = None
        return self._rows[key]

    def gpci(self, release: str, locality: str) -> GpciRow:
        """The GPCI row of a carrier-locality or ZIP code, for a release (cached)."""
        return _memo(self._gpcis, (release, locality), self._gpci, release, locality)

    def _gpci(self, release: str, locality: str) -> GpciRow:
        parsed = parse_locality(locality)
        if isinstance(parsed, str):
            found = self.db.zip_locality(parsed)
            if found is None:
                raise PricingError(f"ZIP code {parsed} is not in the ZIP-to-locality file", field="locality")
            carrier, number = found.carrier, found.locality
        else:
            carrier, number = parsed
        row = self.db.gpci(release, carrier, number)
        if row is None:
            raise PricingError(
                f"no payment locality {carrier}-{number} in release {release}", field="locality"
            )
        return row

    def resolve(
        self, index: int, line: LineInput, on: date, locality: str, contract: Contract
    ) -> ResolvedLine:
        """Look up everything one line needs; ``PricingError`` for unknown code, modifier, POS, locality."""
        mods = tuple(m.upper() for m in line.modifiers)
        check_modifiers(mods)
        if line.units <= 0:
            raise PricingError(f"units must be a positive whole number, got {line.units}", field="units")
        pos = place_of_service(line.pos)
        release = self.release_name(on)
        hcpcs = line.hcpcs.strip().upper()
        row = self._row_for(release, hcpcs, mods)
        gpci = self.gpci(release, locality)
        anes_cf: Decimal | None = None
        if row.status_code == "J":
            anes = self.db.anesthesia_cf(release, gpci.carrier, gpci.locality)
            anes_cf = None if anes is None else anes.conv_factor
        credit = None
        if contract.frozen_release:
            frozen = contract.frozen_release
            try:
                self.db.release(frozen)
            except LookupError:
                raise PricingError(
                    f"the contract freezes release {frozen}, which is not loaded", field="contract"
                ) from None
            credit = CreditRows(
                frozen,
                self.row(frozen, hcpcs, row.modifier),
                self.row(frozen, hcpcs, "26"),
                self.row(frozen, row.endo_base, "") if row.endo_base else None,
            )
        return ResolvedLine(
            index=index,
            line=LineInput(
                hcpcs,
                mods,
                line.units,
                normalize_pos(line.pos),
                line.anesthesia_minutes,
                line.anesthesia_base_units,
                line.reduced_pct,
            ),
            release=release,
            row=row,
            facility=pos.facility,
            setting_reason=pos.reason,
            gpci=gpci,
            tc_row=self.row(release, hcpcs, "TC") if row.modifier == "" else None,
            pc_row=self.row(release, hcpcs, "26") if row.modifier == "" else None,
            endo_base_row=self.row(release, row.endo_base, "") if row.endo_base else None,
            anesthesia_cf=anes_cf,
            credit=credit,
        )

    def _row_for(self, release: str, hcpcs: str, mods: tuple[str, ...]) -> RvuRow:
        wanted = row_modifier(hcpcs, mods)
        row = self.row(release, hcpcs, wanted)
        if row is not None:
            return row
        glob = self.row(release, hcpcs, "")
        if glob is None:
            raise PricingError(f"unknown HCPCS code {hcpcs} in release {release}", field="hcpcs")
        if wanted in ("26", "TC"):
            words = _PCTC_WORDS.get(glob.pctc, f"PC/TC indicator {glob.pctc}")
            raise PricingError(
                f"modifier {wanted} is not allowed on {hcpcs}: PC/TC indicator {glob.pctc} ({words})",
                field="modifiers",
            )
        return glob

    def price(
        self,
        lines: Sequence[LineInput],
        *,
        on: date,
        locality: str,
        provider: Provider = Provider(),
        contract: Contract | None = None,
    ) -> EncounterResult:
        """Price the lines of one encounter (one provider, one date) in one locality."""
        contract = contract or self.contract
        resolved = []
        for i, line in enumerate(lines):
            try:
                resolved.append(self.resolve(i, line, on, locality, contract))
            except PricingError as exc:
                raise PricingError(f"{line.hcpcs}: {exc.detail}", field=exc.field, line=i + 1) from None
        return price_encounter(resolved, provider, contract)

    def coded_line(self, key: int, line: LineInput, on: date) -> CodedLine:
        """A line with the row it is priced from, for the coding warnings (row None when unknown)."""
        mods = tuple(m.upper() for m in line.modifiers)
        hcpcs = line.hcpcs.strip().upper()
        try:
            row: RvuRow | None = self._row_for(self.release_name(on), hcpcs, mods)
        except PricingError:
            row = None
        return CodedLine(key, on, hcpcs, mods, row)

    def coding_warnings(self, lines: Sequence[LineInput], *, on: date) -> tuple[BillingWarning, ...]:
        """Bundling and coding warnings of one encounter (``openrvu.pricing.warnings``), keyed by
        1-based line number. They never change a price."""
        return billing_warnings(self.coded_line(i, line, on) for i, line in enumerate(lines, start=1))
