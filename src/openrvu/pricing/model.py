"""The records the pricing engine takes and gives: input lines, resolved lines, priced lines, rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openrvu.cms.models import GpciRow, RvuRow

#: The source of each rule of ``payment-rules.md`` (by its number), cited on every applied rule.
SOURCES: dict[int, str] = {
    1: "payment-rules.md #1; RVU25D documentation, payment formula",
    2: "payment-rules.md #2; PPRRVU CONV FACTOR column",
    3: "payment-rules.md #3; GPCI file (work GPCI with the 1.0 floor)",
    4: "payment-rules.md #4; GPCI file, ZIP5 file",
    5: "payment-rules.md #5; IOM 100-04 ch.12 s.20.4.2; PPRRVU NA indicators",
    6: "payment-rules.md #6; CY2024 PFS final rule (telehealth POS 02/10)",
    7: "payment-rules.md #7; RVU25D documentation, Attachment A (status codes)",
    8: "payment-rules.md #8; RVU25D documentation, PC/TC indicator",
    9: "payment-rules.md #9; RVU25D documentation, Modifier field (-53)",
    10: "payment-rules.md #10; contractor practice (verify per MAC)",
    11: "payment-rules.md #11; contractor decides (by report)",
    12: "payment-rules.md #12; RVU25D documentation, Bilateral Surgery indicator",
    13: "payment-rules.md #13; RVU25D documentation, Multiple Procedure indicator",
    14: "payment-rules.md #14; RVU25D documentation, Assistant at Surgery indicator",
    15: "payment-rules.md #15; RVU25D documentation, Co-surgeons indicator",
    16: "payment-rules.md #16; RVU25D documentation, Team Surgery indicator",
    17: "payment-rules.md #17; RVU25D documentation, Global Surgery and PRE/INTRA/POST OP (verify shares)",
    18: "payment-rules.md #18; RVU25D documentation, OPPS cap (DRA 2005 s.5102(b))",
    19: "payment-rules.md #19; RVU25D documentation, limiting charge; NPP 85%",
    20: "payment-rules.md #20; ANES file; time units = minutes / 15 to one decimal (verify per MAC)",
    21: "payment-rules.md #21; the release in force on the date of service",
    0: "informational modifier: accepted, no payment effect",
}


@dataclass(frozen=True, slots=True)
class LineInput:
    """One claim line as typed by a user: code, modifiers, units, place of service, anesthesia data."""

    hcpcs: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    pos: str = "11"
    anesthesia_minutes: int | None = None
    anesthesia_base_units: Decimal | None = None
    reduced_pct: Decimal | None = None  # the % paid for -52; default 50


@dataclass(frozen=True, slots=True)
class Provider:
    """Who bills the encounter: a physician or an NP/PA/CNS, participating or not."""

    npp: bool = False
    participating: bool = True


@dataclass(frozen=True, slots=True)
class CreditRows:
    """The rows of a frozen release that a contract credits wRVU from (rule 21)."""

    release: str
    row: RvuRow | None
    pc_row: RvuRow | None = None
    endo_base_row: RvuRow | None = None


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    """A line with every reference row it needs, looked up for its release, locality and setting.

    ``tc_row``/``pc_row`` are the -TC/-26 rows of the code (for the component reductions of multiple
    procedure indicators 4, 6 and 7), ``endo_base_row`` the global row of the endoscopic base code.
    """

    index: int
    line: LineInput
    release: str
    row: RvuRow
    facility: bool
    setting_reason: str
    gpci: GpciRow
    tc_row: RvuRow | None = None
    pc_row: RvuRow | None = None
    endo_base_row: RvuRow | None = None
    anesthesia_cf: Decimal | None = None
    credit: CreditRows | None = None


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """One rule applied to a line: its number in payment-rules.md, a short code, the effect, the source."""

    rule: int
    code: str
    effect: str
    source: str


@dataclass(frozen=True, slots=True)
class PricedLine:
    """The result for one line. ``allowed`` is None when the contractor prices it (never shown as 0)."""

    index: int
    hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    release: str
    pos: str
    facility: bool
    setting_reason: str
    status: str
    work_rvu: Decimal
    pe_rvu: Decimal
    mp_rvu: Decimal
    carrier: str
    locality: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    conv_factor: Decimal
    allowed: Decimal | None
    limiting_charge: Decimal | None
    wrvu: Decimal
    wrvu_current: Decimal | None  # the credit at the current release when the contract freezes one
    rules: tuple[AppliedRule, ...]

    @property
    def rule_codes(self) -> str:
        """The rule codes, in order, as one string (the ``rules`` column of a repriced file)."""
        return " ".join(r.code for r in self.rules)


@dataclass(frozen=True, slots=True)
class EncounterResult:
    """Every line of one provider on one date, with totals (contractor-priced lines count as 0)."""

    lines: tuple[PricedLine, ...]
    total_allowed: Decimal
    total_wrvu: Decimal
    compensation: Decimal
