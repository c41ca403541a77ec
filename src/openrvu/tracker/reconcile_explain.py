"""Why a report credits a different wRVU than the log: computed from the reference data, never guessed.

For a paired report line and log line whose credits differ, the explainer tries, in order:

1. units: the log's wRVU per unit times the report's units (or the report shows one unit's credit);
2. another loaded release: the log line's pricing group (its date and encounter) re-priced with the
   contract's credit frozen to each other release (the same modifiers and reductions, another year's
   work RVUs): a stale fee-schedule year;
3. a standard modifier reduction or share of the code's work RVU, in the log's release and then in each
   other release (multiple procedure 50%, bilateral 150%, co-surgeon 62.5%, assistant 16%, ...), or the
   work RVU of another row of the code (-26, -TC, global);

and when none of them gives the report's value (to the cent of a wRVU), it says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import LineInput, Provider
from openrvu.pricing.modifiers import row_modifier
from openrvu.tracker.catalog import Catalog, user_contract, user_locality
from openrvu.tracker.models import User
from openrvu.tracker.reconcile_report import ReportLine

_CENTS = Decimal("0.01")
#: Shares of a code's work RVU that payers and employers apply, with the rule that applies each.
SHARES: tuple[tuple[Decimal, str], ...] = (
    (Decimal("1"), "no reduction (the full work RVU)"),
    (Decimal("0.5"), "a 50% reduction (multiple procedure, second and later; or -52 reduced service)"),
    (Decimal("0.25"), "a 25% reduction (third and later procedure under the older 100/50/25 rule)"),
    (Decimal("1.5"), "the 150% bilateral adjustment"),
    (Decimal("2"), "both sides credited in full (200%)"),
    (Decimal("0.625"), "the 62.5% co-surgeon share"),
    (Decimal("0.16"), "the 16% assistant-at-surgery share"),
    (Decimal("0.136"), "the 13.6% non-physician assistant share (85% of 16%)"),
)


_Group = tuple[date, str | None]  # (date of service, encounter): the lines the log prices together


@dataclass(frozen=True, slots=True)
class LogLine:
    """One of the user's log lines as a reconciliation sees it."""

    id: int
    date_of_service: date
    hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    pos: str
    release: str | None
    wrvu: Decimal | None
    note: str | None
    encounter: str | None = (
        None  # lines of one date and encounter are priced together (None: the date's group)
    )


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why credits differ: a stable ``cause`` (units, per_unit, stale_release, reduction, other_row,
    unpriced, unexplained), the release whose values the report used when not the log's, and words."""

    cause: str
    release: str | None
    text: str


def wrvu_text(value: Decimal) -> str:
    """A wRVU figure with at least two decimals, and more only when it has them (0.385 stays 0.385)."""
    return str(value.quantize(_CENTS) if value == value.quantize(_CENTS) else value.normalize())


def same(a: Decimal, b: Decimal) -> bool:
    """Two wRVU figures equal to the hundredth (reports print two decimals)."""
    return a.quantize(_CENTS, rounding=ROUND_HALF_UP) == b.quantize(_CENTS, rounding=ROUND_HALF_UP)


class Explainer:
    """Explains differences for one user (their locality, provider kind and contract)."""

    def __init__(self, catalog: Catalog, user: User, logs: list[LogLine]) -> None:
        self.catalog = catalog
        self.user = user
        self.reference = catalog.reference
        self.releases = [r.name for r in self.reference.releases()]
        # the log's pricing groups, in the log's order: re-priced as the log prices them
        self._groups: dict[_Group, list[LogLine]] = {}
        for log in logs:
            self._groups.setdefault((log.date_of_service, log.encounter), []).append(log)
        self._repriced: dict[tuple[_Group, str], dict[int, Decimal]] = {}

    def explain(self, r: ReportLine, log: LogLine) -> Explanation:
        """The computed reason the report's credit differs from the log's, or a plain 'no explanation'."""
        mine = "nothing" if log.wrvu is None else wrvu_text(log.wrvu)
        head = f"the report credits {wrvu_text(r.wrvu)}, your log {mine}"
        if log.wrvu is None:
            return Explanation(
                "unpriced", None, f"{head}: your line is not priced ({log.note or 'no price'})"
            )
        for found in self._reasons(r, log):
            return Explanation(found.cause, found.release, f"{head}: {found.text}")
        return Explanation(
            "unexplained",
            None,
            f"{head}: not explained by units, another loaded release ({', '.join(self.releases)}) "
            "or a standard modifier reduction; ask your employer how the line was credited",
        )

    def _reasons(self, r: ReportLine, log: LogLine) -> Iterator[Explanation]:
        assert log.wrvu is not None
        if r.units != log.units and log.units:
            per_unit = log.wrvu / log.units
            if same(per_unit * r.units, r.wrvu):
                text = f"units differ: the report credits {r.units} unit(s), your log has {log.units}"
                yield Explanation("units", None, text)
        if log.units > 1 and same(log.wrvu / log.units, r.wrvu):
            text = f"the report's figure is the credit of one unit of {log.units}: a per-unit wRVU column?"
            yield Explanation("per_unit", None, text)
        for release in self._other_releases(log):
            if not self._work_differs(log, release):
                continue  # the same work RVU in both releases: re-pricing cannot give another credit
            value = self._repriced_at(log, release)
            if value is not None and same(value * r.units / log.units, r.wrvu):
                yield Explanation("stale_release", release, self._stale(release, log))
        own = [log.release] if log.release else []
        for name in [*own, *self._other_releases(log)]:
            yield from self._shares(r, log, name)

    def _work_differs(self, log: LogLine, release: str) -> bool:
        """Whether the work RVU of the log line's row differs between its release and ``release``."""
        if log.release is None:
            return True
        mod = row_modifier(log.hcpcs, log.modifiers)
        ours, theirs = (
            self.reference.rvu(log.release, log.hcpcs, mod),
            self.reference.rvu(release, log.hcpcs, mod),
        )
        return ours is None or theirs is None or ours.work_rvu != theirs.work_rvu

    def _other_releases(self, log: LogLine) -> list[str]:
        return [name for name in self.releases if name != log.release]

    def _stale(self, release: str, log: LogLine) -> str:
        effective = self.reference.release(release).effective_date
        return (
            f"stale fee-schedule year: that is {log.hcpcs}'s credit in release {release} (effective "
            f"{effective}); your log uses {log.release}, the release in force on {log.date_of_service}"
        )

    def _shares(self, r: ReportLine, log: LogLine, release: str) -> Iterator[Explanation]:
        rows = {row.modifier: row for row in self.reference.rvu_rows(release, log.hcpcs)}
        row = rows.get(row_modifier(log.hcpcs, log.modifiers)) or rows.get("")
        if row is None:
            return
        other_year = None if release == log.release else release
        stale = f" in release {release} (stale fee-schedule year)" if other_year else ""
        base = row.work_rvu * r.units
        for share, words in SHARES if base else ():
            if same(base * share, r.wrvu):
                text = f"the report applies {words} to {log.hcpcs}'s work RVU {row.work_rvu}{stale}"
                yield Explanation("reduction", other_year, text)
        for other, other_row in sorted(rows.items()):
            if other != row.modifier and same(other_row.work_rvu * r.units, r.wrvu):
                name = f"{log.hcpcs}-{other}" if other else f"{log.hcpcs} (global)"
                text = f"the report credits the {name} row's work RVU {other_row.work_rvu}{stale}"
                yield Explanation("other_row", other_year, text)

    def _repriced_at(self, log: LogLine, release: str) -> Decimal | None:
        """The log line's credit with the contract frozen to ``release`` (its whole group re-priced)."""
        group = (log.date_of_service, log.encounter)
        if (group, release) not in self._repriced:
            self._repriced[(group, release)] = self._price_group(group, release)
        return self._repriced[(group, release)].get(log.id)

    def _price_group(self, group: _Group, release: str) -> dict[int, Decimal]:
        day, lines = group[0], self._groups.get(group, [])
        contract = dataclasses.replace(user_contract(self.user), frozen_release=release)
        try:
            result = self.catalog.pricing.price(
                [LineInput(g.hcpcs, g.modifiers, g.units, g.pos) for g in lines],
                on=day,
                locality=user_locality(self.user),
                provider=Provider(npp=self.user.provider_kind == "npp"),
                contract=contract,
            )
        except (PricingError, LookupError):  # a line no longer prices: this explanation does not apply
            return {}
        return {g.id: p.wrvu for g, p in zip(lines, result.lines, strict=True)}
