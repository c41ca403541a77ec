"""Repricing one record at a time: the reference path for bulk files (and the per-row baseline).

A record is one row of a claim file, with the columns ``encounter_id, date, hcpcs, modifiers, units,
pos, locality_or_zip`` and optionally ``provider`` (physician | npp), ``participation`` (par |
nonpar), ``anesthesia_minutes``, ``anesthesia_base_units`` and ``reduced_percent`` (the -52
percentage); ``OPTIONAL_COLUMNS`` lists the header names accepted for each. An empty optional field
means the default (physician, par, none). Records with the same ``encounter_id`` and ``date`` form one
encounter, billed by one provider: a record whose provider or participation differs from the first
valid record of its encounter is an error. A bad record gets its error; the rest of its encounter is
priced without it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openrvu.pricing.contract import Contract
from openrvu.pricing.engine import check_line, price_encounter
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput, PricedLine, Provider, ResolvedLine
from openrvu.pricing.modifiers import parse_modifiers
from openrvu.pricing.service import PricingService

REQUIRED_COLUMNS = ("encounter_id", "date", "hcpcs", "modifiers", "units", "pos", "locality_or_zip")
OUTPUT_COLUMNS = ("release", "allowed", "wrvu", "rules", "error")
#: Optional columns: the name used here, then every header name accepted for it (case-insensitive).
OPTIONAL_COLUMNS = {
    "provider": ("provider", "provider_kind", "provider_type"),
    "participation": ("participation", "par_status", "participating"),
    "anesthesia_minutes": ("anesthesia_minutes", "anes_minutes", "anesthesia_time"),
    "anesthesia_base_units": ("anesthesia_base_units", "anes_base_units", "base_units"),
    "reduced_percent": ("reduced_percent", "reduced_pct", "percent_52"),
}
PHYSICIAN_WORDS = frozenset({"", "physician", "md", "do"})
NPP_WORDS = frozenset({"npp", "np", "pa", "cns", "np/pa/cns"})
PAR_WORDS = frozenset({"", "par", "participating", "yes", "y"})
NONPAR_WORDS = frozenset({"nonpar", "non-par", "non_par", "non-participating", "no", "n"})


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


def optional_columns(header: Sequence[str]) -> dict[str, str]:
    """The optional columns present in a header: {name used here: header name in the file}.

    ``PricingError`` when two header names give the same column (say ``provider`` and ``provider_kind``).
    """
    found: dict[str, str] = {}
    for name, aliases in OPTIONAL_COLUMNS.items():
        present = [h for h in header if h.strip().lower() in aliases]
        if len(present) > 1:
            raise PricingError(f"columns {' and '.join(present)} both give {name}: keep one", field=name)
        if present:
            found[name] = present[0]
    return found


def parse_provider(rec: Mapping[str, str]) -> Provider:
    """The ``provider`` and ``participation`` fields of a record (empty: physician, par)."""
    kind = rec.get("provider", "").strip().lower()
    if kind not in PHYSICIAN_WORDS | NPP_WORDS:
        raise PricingError(f"provider {kind!r} is not physician or npp (NP/PA/CNS)", field="provider")
    par = rec.get("participation", "").strip().lower()
    if par not in PAR_WORDS | NONPAR_WORDS:
        raise PricingError(f"participation {par!r} is not par or nonpar", field="participation")
    return Provider(npp=kind in NPP_WORDS, participating=par in PAR_WORDS)


def _minutes(text: str) -> int | None:
    value = text.strip()
    if value == "":
        return None
    if not re.fullmatch(r"\d+", value):
        raise PricingError(
            f"anesthesia_minutes {text!r} is not a whole number of minutes", field="anesthesia"
        )
    return int(value)


def _number(text: str, field: str) -> Decimal | None:
    value = text.strip()
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise PricingError(f"{field} {text!r} is not a number", field=field)
    return number


def is_default_record(rec: Mapping[str, str]) -> bool:
    """True when a record's optional fields are all empty or say physician and par (the fast path)."""
    return (
        rec.get("provider", "").strip().lower() in PHYSICIAN_WORDS
        and rec.get("participation", "").strip().lower() in PAR_WORDS
        and all(rec.get(name, "").strip() == "" for name in list(OPTIONAL_COLUMNS)[2:])
    )


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
        rec["hcpcs"].strip().upper(),
        parse_modifiers(rec["modifiers"]),
        units,
        rec["pos"].strip(),
        _minutes(rec.get("anesthesia_minutes", "")),
        _number(rec.get("anesthesia_base_units", ""), "anesthesia_base_units"),
        _number(rec.get("reduced_percent", ""), "reduced_percent"),
    )
    resolved = service.resolve(index, line, on, rec["locality_or_zip"], contract)
    check_line(resolved)
    return resolved


def reprice_records(
    service: PricingService, records: Sequence[Mapping[str, str]], contract: Contract
) -> list[Outcome]:
    """Reprice records one by one (grouped into encounters); one ``Outcome`` per record, in order.

    Records are keyed by the names of ``REQUIRED_COLUMNS`` and ``OPTIONAL_COLUMNS`` (the optional ones
    may be missing).
    """
    outcomes = [Outcome()] * len(records)
    encounters: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        encounters[(rec["encounter_id"], rec["date"])].append(i)
    for indexes in encounters.values():
        resolved = []
        provider: Provider | None = None
        for i in indexes:
            try:
                line = resolve_record(service, i, records[i], contract)
                own = parse_provider(records[i])
                if provider is not None and own != provider:
                    raise PricingError(
                        f"provider/participation {_words(own)} differs from the encounter's first line "
                        f"({_words(provider)}): an encounter is one provider",
                        field="provider",
                    )
                provider = own
                resolved.append(line)
            except PricingError as exc:
                outcomes[i] = Outcome(error=exc.detail)
        if resolved:
            for priced in price_encounter(resolved, provider or Provider(), contract).lines:
                outcomes[priced.index] = outcome_of(priced)
    return outcomes


def _words(provider: Provider) -> str:
    return ("npp" if provider.npp else "physician") + ("/par" if provider.participating else "/nonpar")
