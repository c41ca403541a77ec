"""Repricing one record at a time: the reference path for bulk files (and the per-row baseline).

A record is one row of a claim file, with the columns ``encounter_id, date, hcpcs, modifiers, units,
pos, locality_or_zip``. Records with the same ``encounter_id`` and ``date`` form one encounter. A
bad record gets its error; the rest of its encounter is priced without it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openrvu.pricing.contract import Contract
from openrvu.pricing.engine import check_line, price_encounter
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput, PricedLine, Provider, ResolvedLine
from openrvu.pricing.modifiers import parse_modifiers
from openrvu.pricing.service import PricingService

REQUIRED_COLUMNS = ("encounter_id", "date", "hcpcs", "modifiers", "units", "pos", "locality_or_zip")
OUTPUT_COLUMNS = ("release", "allowed", "wrvu", "rules", "error")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a repriced record gets: release, allowed (``""`` when contractor-priced), wRVU, rules, error."""

    release: str = ""
    allowed: str = ""
    wrvu: str = ""
    rules: str = ""
    error: str = ""


def parse_date(text: str) -> date:
    """YYYY-MM-DD or MM/DD/YYYY; ``PricingError`` otherwise."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise PricingError(f"date {text!r} is not YYYY-MM-DD", field="date")


def parse_units(text: str) -> int:
    """A whole number of units ('' means 1); ``PricingError`` otherwise."""
    value = text.strip()
    if value == "":
        return 1
    if not re.fullmatch(r"-?\d+", value):
        raise PricingError(f"units {text!r} is not a whole number", field="units")
    return int(value)


def outcome_of(line: PricedLine) -> Outcome:
    """The output columns of a priced line."""
    return Outcome(
        release=line.release,
        allowed="" if line.allowed is None else f"{line.allowed:.2f}",
        wrvu=f"{line.wrvu:.2f}",
        rules=line.rule_codes,
    )


def resolve_record(
    service: PricingService, index: int, rec: Mapping[str, str], contract: Contract
) -> ResolvedLine:
    """Parse and resolve one record, checks in a fixed order (the first problem is the one reported)."""
    units = parse_units(rec["units"])
    on = parse_date(rec["date"])
    line = LineInput(
        rec["hcpcs"].strip().upper(), parse_modifiers(rec["modifiers"]), units, rec["pos"].strip()
    )
    resolved = service.resolve(index, line, on, rec["locality_or_zip"], contract)
    check_line(resolved)
    return resolved


def reprice_records(
    service: PricingService, records: Sequence[Mapping[str, str]], contract: Contract
) -> list[Outcome]:
    """Reprice records one by one (grouped into encounters); one ``Outcome`` per record, in order."""
    outcomes = [Outcome()] * len(records)
    encounters: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        encounters[(rec["encounter_id"], rec["date"])].append(i)
    for indexes in encounters.values():
        resolved = []
        for i in indexes:
            try:
                resolved.append(resolve_record(service, i, records[i], contract))
            except PricingError as exc:
                outcomes[i] = Outcome(error=exc.detail)
        if resolved:
            for line in price_encounter(resolved, Provider(), contract).lines:
                outcomes[line.index] = outcome_of(line)
    return outcomes
