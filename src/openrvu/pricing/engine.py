"""The pure pricing engine: resolved lines of one encounter in, priced lines with their rules out.

No I/O. Money is ``Decimal`` computed exactly (a 60-digit context, so no intermediate rounding) and
rounded half-up to cents once per line; wRVU credit is rounded half-up to 0.01 once per line.

The order of work, per encounter (one provider, one date):

1. per line: the row (global, -26, -TC or -53), the setting's PE RVU, the OPPS cap (rule 18);
2. status (rule 7), bilateral adjustment (rule 12: before any multiple-procedure rule);
3. multiple-procedure ranking (rule 13) of indicators 1/2/3 by fee amount, endoscopy families first;
   component reductions of indicators 4 (imaging TC 50%, PC 5%), 5 (therapy PE 50%), 6 (cardiovascular
   TC 25%) and 7 (ophthalmology TC 20%); add-on codes (global ZZZ) never rank;
4. modifiers (rules 9-11, 14-17), status T only when alone, NPP 85% and non-par 95% (rule 19);
5. the wRVU credit: the same reductions, each switched on or off by the contract.

Each line's payment is ``[(W x wGPCI) + (PE x peGPCI) + (MP x mpGPCI)] x CF`` of its *effective*
RVUs, that is its row's RVUs after the reductions above; the modifier and payer percentages multiply
that amount. Ties in a ranking are broken by code, modifiers and units, so input order never changes
the totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from openrvu.cms.models import GpciRow, RvuRow
from openrvu.pricing.contract import DEFAULT_CONTRACT, Contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.model import (
    SOURCES,
    AppliedRule,
    CreditRows,
    EncounterResult,
    PricedLine,
    Provider,
    ResolvedLine,
)
from openrvu.pricing.modifiers import INFORMATIONAL_MODIFIERS, check_modifiers

ZERO = Decimal(0)
ONE = Decimal(1)
HALF = Decimal("0.5")
CENT = Decimal("0.01")
EXACT = Context(prec=60, rounding=ROUND_HALF_UP)  # no intermediate rounding of money

Comps = tuple[Decimal, Decimal, Decimal]  # (work, PE, MP) RVUs
NO_COMPS: Comps = (ZERO, ZERO, ZERO)

PAYING_STATUSES = frozenset("ART")
NPP_FACTOR = Decimal("0.85")
NONPAR_FACTOR = Decimal("0.95")
LIMITING_FACTOR = Decimal("1.15")
ASSISTANT_FACTOR = Decimal("0.16")
AS_FACTOR = Decimal("0.136")
COSURGEON_FACTOR = Decimal("0.625")
DEFAULT_REDUCED_PCT = Decimal("50")

#: Component reductions of multiple-procedure indicators 4-7: group -> (share kept off, rule code).
COMPONENT_RATES = {
    "img-tc": Decimal("0.5"),
    "img-pc": Decimal("0.05"),
    "cv-tc": Decimal("0.25"),
    "oph-tc": Decimal("0.2"),
    "pe": Decimal("0.5"),
}
COMPONENT_CODES = {
    "img-tc": "13:TC50",
    "img-pc": "13:PC5",
    "cv-tc": "13:CV25",
    "oph-tc": "13:OPH20",
    "pe": "13:PE50",
}
COMPONENT_WORDS = {
    "img-tc": "imaging TC 50% for later procedures in the family",
    "img-pc": "imaging PC 5% for later procedures in the family",
    "cv-tc": "cardiovascular TC 25% for later procedures",
    "oph-tc": "ophthalmology TC 20% for later procedures",
    "pe": "therapy PE 50% for later units",
}


def scale(c: Comps, f: Decimal) -> Comps:
    return (c[0] * f, c[1] * f, c[2] * f)


def sub(a: Comps, b: Comps) -> Comps:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def fee(c: Comps, g: GpciRow, cf: Decimal) -> Decimal:
    """The exact (unrounded) fee schedule amount of RVU components in a locality."""
    return (c[0] * g.work_gpci + c[1] * g.pe_gpci + c[2] * g.mp_gpci) * cf


def cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: the one rounding of a line's money."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def setting_comps(row: RvuRow, facility: bool, g: GpciRow) -> tuple[Comps, bool]:
    """The row's RVUs for the setting, with the OPPS cap (rule 18) applied: (components, capped)."""
    pe = row.fac_pe_rvu if facility else row.nonfac_pe_rvu
    comps = (row.work_rvu, pe, row.mp_rvu)
    opps_pe = row.fac_pe_opps if facility else row.nonfac_pe_opps
    if opps_pe or row.mp_opps:
        opps = (row.work_rvu, opps_pe, row.mp_opps)
        if fee(opps, g, ONE) < fee(comps, g, ONE):
            return opps, True
    return comps, False


@dataclass(eq=False)
class _Plan:
    """The working state of one line while its encounter is priced."""

    rl: ResolvedLine
    mods: tuple[str, ...]
    units: int
    row: RvuRow
    kind: str  # "pay", "contractor", "none", "anes"
    comps: Comps = NO_COMPS
    capped: bool = False
    unit_fee: Decimal = ZERO
    bilat: Decimal = ONE  # bilateral factor on the line (rule 12)
    bilat_code: str = ""
    bilat_off: Decimal = ONE  # the factor when the contract does not reduce bilateral credit
    positions: int = 1  # how many procedures the line counts for in a ranking
    pos_factors: list[Decimal] = field(default_factory=list)  # set when the line is ranked (rule 13)
    pos_numbers: list[int] = field(default_factory=list)
    endo_sub_units: int = 0  # units priced as (code - endoscopic base)
    endo_base: Comps = NO_COMPS
    endo_base_work_credit: Decimal = ZERO
    endo_top: bool = False
    endo_is_base: bool = False
    family_size: int = 0
    reductions: list[tuple[str, Comps, int]] = field(default_factory=list)  # (group, part per unit, k)
    rules: list[AppliedRule] = field(default_factory=list)
    status_code: str = ""

    def add(self, rule: int, code: str, effect: str) -> None:
        self.rules.append(AppliedRule(rule, code, effect, SOURCES[rule]))


def _tie_key(p: _Plan) -> tuple[str, str, tuple[str, ...], int]:
    return (p.row.hcpcs, p.row.modifier, tuple(sorted(p.mods)), p.units)


def check_line(rl: ResolvedLine) -> None:
    """The checks that need only the line and its row; ``PricingError`` names the problem."""
    line, row = rl.line, rl.row
    check_modifiers(line.modifiers)
    if line.units <= 0:
        raise PricingError(f"units must be a positive whole number, got {line.units}", field="units")
    if "50" in line.modifiers and line.units != 1:
        raise PricingError("modifier 50 is billed on one line with 1 unit", field="units")
    split = [m for m in ("54", "55", "56") if m in line.modifiers]
    if split and row.pre_op + row.intra_op + row.post_op == 0:
        raise PricingError(
            f"modifier {split[0]} needs a code with a global surgery split; "
            f"{row.hcpcs} has global {row.global_days}",
            field="modifiers",
        )
    if "52" in line.modifiers and line.reduced_pct is not None and not ZERO < line.reduced_pct <= 100:
        raise PricingError(
            f"the -52 percentage must be in (0, 100], got {line.reduced_pct}", field="reduced_pct"
        )
    if row.status_code == "J" and (
        line.anesthesia_base_units is None or line.anesthesia_minutes is None or rl.anesthesia_cf is None
    ):
        raise PricingError(
            f"{row.hcpcs} is an anesthesia code: give its base units and minutes", field="anesthesia"
        )


def _plan_line(rl: ResolvedLine) -> _Plan:
    check_line(rl)
    line = rl.line
    mods = line.modifiers
    row = rl.row
    status = row.status_code
    if status == "J":
        kind = "anes"
    elif status == "C" or (status == "R" and row.nonfac_total == 0 and row.fac_total == 0):
        kind = "contractor"
    elif status in PAYING_STATUSES:
        kind = "pay"
    else:
        kind = "none"
    p = _Plan(rl, mods, line.units, row, kind, status_code=status)
    setting = "facility" if rl.facility else "non-facility"
    p.add(5, "5:F" if rl.facility else "5:NF", f"{setting} PE RVU: {rl.setting_reason}")
    if row.fac_na if rl.facility else row.nonfac_na:
        p.add(5, "5:NA", f"warning: the RVU file marks the {setting} setting NA (rarely or never used)")
    if line.pos in ("02", "10"):
        p.add(6, "6:" + line.pos, f"telehealth POS {line.pos} takes the {setting} rate")
    if row.modifier in ("26", "TC"):
        p.add(8, "8:" + row.modifier, f"priced from the {row.hcpcs}-{row.modifier} row (its own RVUs)")
    elif row.modifier == "53":
        p.add(9, "9:53", f"priced from the {row.hcpcs}-53 row (discontinued procedure)")
    if kind == "pay":
        p.comps, p.capped = setting_comps(row, rl.facility, rl.gpci)
        p.unit_fee = fee(p.comps, rl.gpci, row.conv_factor)
        if p.capped:
            p.add(18, "18", "OPPS cap: the OPPS-based PE/MP RVUs give the lower amount and are used")
    return p


def _bilateral(plans: list[_Plan]) -> list[list[_Plan]]:
    """Rule 12 on every line; returns the RT/LT pairs that form one bilateral procedure."""
    singles: dict[tuple[str, str], dict[str, list[_Plan]]] = defaultdict(lambda: {"RT": [], "LT": []})
    for p in plans:
        if p.kind != "pay":
            continue
        ind = p.row.bilat_surg
        if "50" in p.mods:
            factor, code = {"1": (Decimal("1.5"), "12:150"), "3": (Decimal(2), "12:200")}.get(
                ind, (ONE, "12:100" if ind in ("0", "2") else "12:n/a")
            )
            p.bilat, p.bilat_code = factor, code
            p.bilat_off = Decimal(2) if ind in ("0", "1") else factor
        elif p.units == 2 and ind in ("1", "2", "3"):
            factor = {"1": Decimal("1.5"), "2": ONE, "3": Decimal(2)}[ind]
            p.bilat, p.bilat_code, p.positions = factor, f"12:{int(factor * 100)}", 1
            p.bilat_off = Decimal(2) if ind == "1" else factor
        elif p.units == 1 and ("RT" in p.mods) != ("LT" in p.mods) and ind in ("0", "1", "2"):
            singles[(p.row.hcpcs, p.row.modifier)]["RT" if "RT" in p.mods else "LT"].append(p)
        else:
            p.positions = p.units
            continue
        if p.bilat_code:
            p.positions = 1
    pairs = []
    for sides in singles.values():
        rts = sorted(sides["RT"], key=lambda q: q.rl.index)
        lts = sorted(sides["LT"], key=lambda q: q.rl.index)
        for rt, lt in zip(rts, lts, strict=False):
            ind = rt.row.bilat_surg
            share = Decimal("0.75") if ind == "1" else HALF
            for q in (rt, lt):
                q.bilat, q.bilat_code, q.bilat_off, q.positions = share, f"12:{int(share * 200)}-pair", ONE, 1
            pairs.append([rt, lt])
    for p in plans:
        if p.bilat_code:
            label = {
                "12:150": "150% of the single fee (indicator 1)",
                "12:200": "each side 100% (indicator 3)",
                "12:100": f"100% for both sides (indicator {p.row.bilat_surg}: no 150% uplift)",
                "12:n/a": "bilateral concept does not apply (indicator 9): 100%",
                "12:150-pair": "RT+LT of a bilateral code: 150% in total, 75% each line",
                "12:100-pair": f"RT+LT: 100% in total (indicator {p.row.bilat_surg}), 50% each line",
            }
            p.add(
                12,
                p.bilat_code,
                label.get(p.bilat_code, f"bilateral by 2 units: {p.bilat * 100:.0f}% of the single fee"),
            )
    return pairs


def _rank(plans: list[_Plan], pairs: list[list[_Plan]]) -> None:
    """Rule 13, indicators 1/2/3: rank procedures by fee amount; endoscopy families rank as one."""
    paired = {id(p) for pair in pairs for p in pair}
    eligible = [
        p
        for p in plans
        if p.kind == "pay"
        and p.row.mult_proc in ("1", "2", "3")
        and p.row.global_days != "ZZZ"
        and p.status_code != "T"
    ]
    families: dict[str, list[_Plan]] = defaultdict(list)
    for p in eligible:
        if p.row.mult_proc == "3" and p.row.endo_base:
            families[p.row.endo_base].append(p)
    for p in eligible:
        if p.row.hcpcs in families and p.row.mult_proc != "3":
            families[p.row.hcpcs].append(p)
    items: list[tuple[Decimal, tuple, int, str, list[_Plan]]] = []  # (amount, tie, n, ind, members)
    in_family: set[int] = set()
    for base, members in families.items():
        if sum(m.units for m in members) < 2 or len(members) < 2 and members[0].row.hcpcs == base:
            continue
        members.sort(key=lambda m: (m.row.hcpcs == base, -m.unit_fee, _tie_key(m)))
        total = ZERO
        for i, m in enumerate(members):
            base_row = m.row if m.row.hcpcs == base else m.rl.endo_base_row
            if base_row is None:
                raise PricingError(
                    f"endoscopic base code {base} of {m.row.hcpcs} is not in the release", field="hcpcs"
                )
            m.endo_base = setting_comps(base_row, m.rl.facility, m.rl.gpci)[0]
            m.endo_top = i == 0 and m.row.hcpcs != base
            m.endo_is_base = m.row.hcpcs == base
            m.endo_sub_units = m.units - 1 if m.endo_top else m.units
            m.family_size = len(members)
            m.bilat = ONE
            total += m.unit_fee * m.units - fee(m.endo_base, m.rl.gpci, m.row.conv_factor) * m.endo_sub_units
            in_family.add(id(m))
        items.append((total, _tie_key(members[0]), 1, "3", members))
    seen_pairs: set[int] = set()
    for p in eligible:
        if id(p) in in_family or id(p) in seen_pairs:
            continue
        if id(p) in paired:
            pair = next(pr for pr in pairs if p in pr)
            seen_pairs.update(id(q) for q in pair)
            items.append((p.unit_fee * p.bilat * 2, _tie_key(p), 1, p.row.mult_proc, pair))
        else:
            items.append((p.unit_fee * p.bilat, _tie_key(p), p.positions, p.row.mult_proc, [p]))
    if sum(n for _, _, n, _, _ in items) < 2:
        return
    items.sort(key=lambda it: (-it[0], it[1]))
    position = 1
    for _amount, _tie, n, ind, members in items:
        numbers = list(range(position, position + n))
        position += n
        factors = [ONE if k == 1 else HALF if k == 2 or ind != "1" else Decimal("0.25") for k in numbers]
        for m in members:
            m.pos_factors, m.pos_numbers = factors, numbers


def _component_groups(plans: list[_Plan]) -> None:
    """Rule 13, indicators 4/5/6/7: reduce a component of the later procedures, not the whole amount."""
    groups: dict[tuple[str, str], list[tuple[_Plan, Comps]]] = defaultdict(list)
    for p in plans:
        if p.kind != "pay" or p.row.global_days == "ZZZ":
            continue
        ind, mod = p.row.mult_proc, p.row.modifier
        tc, pc = _split(p)
        if ind == "4" and p.row.imaging_family not in ("", "99"):
            if mod in ("", "TC"):
                groups[("img-tc", p.row.imaging_family)].append((p, tc))
            if mod in ("", "26"):
                groups[("img-pc", p.row.imaging_family)].append((p, pc))
        elif ind in ("6", "7") and mod in ("", "TC"):
            groups[("cv-tc" if ind == "6" else "oph-tc", "")].append((p, tc))
        elif ind == "5":
            groups[("pe", "")].append((p, (ZERO, p.comps[1], ZERO)))
    for (group, _family), members in groups.items():
        if sum(p.positions for p, _ in members) < 2:
            continue
        members.sort(key=lambda m: (-fee(m[1], m[0].rl.gpci, m[0].row.conv_factor), _tie_key(m[0])))
        for i, (p, part) in enumerate(members):
            later = p.positions - 1 if i == 0 else p.positions
            if later:
                p.reductions.append((group, part, later))


def _split(p: _Plan) -> tuple[Comps, Comps]:
    """The technical and professional parts of a line, per unit, in its setting (capped like the line)."""
    rl, mod = p.rl, p.row.modifier
    if mod == "TC":
        return p.comps, NO_COMPS
    if mod == "26":
        return NO_COMPS, p.comps
    tc = setting_comps(rl.tc_row, rl.facility, rl.gpci)[0] if rl.tc_row else (ZERO, p.comps[1], p.comps[2])
    pc = setting_comps(rl.pc_row, rl.facility, rl.gpci)[0] if rl.pc_row else (p.comps[0], ZERO, ZERO)
    return tc, pc


def _effective(p: _Plan, comps: Comps, apply_mp: bool, bilat: Decimal, base: Comps, parts: bool) -> Comps:
    """The line's RVUs after the bilateral and multiple-procedure rules (``comps`` per unit)."""
    if p.family_size and apply_mp:
        # endoscopy family: every unit but the top code's first pays (code - base), then the family rank
        unit_total = sub(scale(comps, Decimal(p.units)), scale(base, Decimal(p.endo_sub_units)))
        eff = scale(unit_total, sum(p.pos_factors, ZERO) if p.pos_factors else ONE)
    elif p.pos_factors and apply_mp:
        eff = scale(comps, bilat * sum(p.pos_factors, ZERO))
    else:
        eff = scale(comps, bilat * (p.positions if not p.bilat_code else 1))
    if apply_mp and parts:
        for group, part, later in p.reductions:
            eff = sub(eff, scale(part, COMPONENT_RATES[group] * bilat * later))
    return eff


@dataclass(frozen=True, slots=True)
class SurgeryIndicators:
    """The fields of an RVU row that the modifier rules read (rules 9, 14-17)."""

    modifier: str
    pre_op: Decimal
    intra_op: Decimal
    post_op: Decimal
    co_surg: str
    team_surg: str
    asst_surg: str

    @classmethod
    def of(cls, row: RvuRow) -> SurgeryIndicators:
        """The indicators of an RVU row."""
        return cls(
            row.modifier, row.pre_op, row.intra_op, row.post_op, row.co_surg, row.team_surg, row.asst_surg
        )


def modifier_effects(
    row: SurgeryIndicators, mods: tuple[str, ...], reduced_pct: Decimal | None, contract: Contract
) -> tuple[Decimal | None, Decimal, bool, list[AppliedRule]]:
    """Rules 9-11 and 14-17 for one line.

    Returns (payment factor, or None when contractor-priced; credit factor; whether it is paid at all;
    the rules applied). Pure: the vectorized repricer calls it too, once per distinct row and modifiers.
    """
    rules: list[AppliedRule] = []

    def add(rule: int, code: str, effect: str) -> None:
        rules.append(AppliedRule(rule, code, effect, SOURCES[rule]))

    pay: Decimal | None = ONE
    credit = ONE
    paid = True
    if "53" in mods and row.modifier != "53":
        add(9, "9:53-contractor", "-53 on a code without its own -53 row: contractor-priced")
        pay = None
    if "52" in mods:
        pct = reduced_pct if reduced_pct is not None else DEFAULT_REDUCED_PCT
        add(10, "10:52", f"reduced service: {pct}% of the fee (user-entered, default 50%; verify per MAC)")
        pay = None if pay is None else pay * pct / 100
        if contract.reduces("reduced"):
            credit *= pct / 100
    if "22" in mods:
        add(11, "11:22", "increased service: by report, priced at 100% (the contractor may pay more)")
        credit *= contract.increased_pct / 100
    split = [m for m in ("54", "55", "56") if m in mods]
    if split:
        shares = {"54": row.pre_op + row.intra_op, "55": row.post_op, "56": row.pre_op}
        share = sum((shares[m] for m in split), ZERO)
        add(
            17,
            "17:" + "+".join(split),
            f"split care: {share * 100:.0f}% of the global package (54 = pre + intra, 55 = post, 56 = pre)",
        )
        pay = None if pay is None else pay * share
        credit *= share
    if "62" in mods:
        if row.co_surg in ("1", "2"):
            note = " (documentation required)" if row.co_surg == "1" else ""
            add(15, "15:62", f"co-surgeon: 62.5% of the fee{note}")
            pay = None if pay is None else pay * COSURGEON_FACTOR
            if contract.reduces("co_surgeon"):
                credit *= COSURGEON_FACTOR
        else:
            add(15, "15:62-no", f"co-surgeons not paid for this code (indicator {row.co_surg})")
            paid = False
            if contract.reduces("co_surgeon"):
                credit = ZERO
    if "66" in mods:
        if row.team_surg in ("1", "2"):
            add(16, "16:66", "team surgery: by report (contractor-priced)")
            pay = None
            if contract.reduces("team"):
                credit *= contract.team_share
        else:
            add(16, "16:66-no", f"team surgery not paid for this code (indicator {row.team_surg})")
            paid = False
            if contract.reduces("team"):
                credit = ZERO
    assistant = "AS" if "AS" in mods else next((m for m in ("80", "81", "82") if m in mods), None)
    if assistant:
        if row.asst_surg in ("0", "2"):
            share = AS_FACTOR if assistant == "AS" else ASSISTANT_FACTOR
            note = " (documentation required)" if row.asst_surg == "0" else ""
            add(14, "14:" + assistant, f"assistant at surgery: {share * 100}% of the fee{note}")
            pay = None if pay is None else pay * share
            if contract.reduces("assistant"):
                credit *= share
        else:
            add(
                14,
                f"14:{assistant}-no",
                f"assistant at surgery not paid for this code (indicator {row.asst_surg})",
            )
            paid = False
            if contract.reduces("assistant"):
                credit = ZERO
    return pay, credit, paid, rules


def _anesthesia(p: _Plan) -> Decimal:
    """Rule 20: (base units + time units) x the locality's anesthesia CF, medical direction 50%."""
    line = p.rl.line
    if line.anesthesia_base_units is None or line.anesthesia_minutes is None or p.rl.anesthesia_cf is None:
        raise PricingError(
            f"{p.row.hcpcs} is an anesthesia code: give its base units and minutes", field="anesthesia"
        )
    if line.anesthesia_minutes < 0 or line.anesthesia_base_units < 0:
        raise PricingError("anesthesia minutes and base units must be >= 0", field="anesthesia")
    time_units = (Decimal(line.anesthesia_minutes) / 15).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    units = line.anesthesia_base_units + time_units
    amount = units * p.rl.anesthesia_cf
    p.add(
        20,
        "20",
        f"anesthesia: ({line.anesthesia_base_units} base + {time_units} time units) x "
        f"CF {p.rl.anesthesia_cf}",
    )
    directed = [m for m in ("QK", "QX", "QY") if m in p.mods]
    if directed:
        p.add(20, "20:" + directed[0], "medical direction / CRNA directed: 50%")
        amount *= HALF
    return amount


def price_encounter(
    lines: Sequence[ResolvedLine], provider: Provider = Provider(), contract: Contract = DEFAULT_CONTRACT
) -> EncounterResult:
    """Price the lines of one provider on one date (see the module docstring for the order of rules)."""
    with localcontext(EXACT):
        plans = [_plan_line(rl) for rl in lines]
        pairs = _bilateral(plans)
        _rank(plans, pairs)
        _component_groups(plans)
        others_paid = sum(1 for p in plans if p.kind == "pay" and p.status_code != "T")
        priced = [_finish(p, provider, contract, others_paid) for p in plans]
    total = sum((line.allowed for line in priced if line.allowed is not None), ZERO)
    total_wrvu = sum((line.wrvu for line in priced), ZERO)
    return EncounterResult(tuple(priced), cents(total), total_wrvu, contract.compensation(total_wrvu))


def _rank_rules(p: _Plan) -> None:
    if p.family_size:
        p.add(
            13,
            "13:endo",
            "endoscopy family: the highest pays in full, the others pay (code - base "
            f"{p.row.endo_base or p.row.hcpcs}); the base alone with its family is not paid",
        )
    if not p.pos_factors:
        return
    numbers = p.pos_numbers
    if 1 in numbers:
        p.add(13, "13:100", "multiple procedures: ranked first by fee amount, 100%")
    if any(f == HALF for f in p.pos_factors):
        p.add(13, "13:50", "multiple procedures: later procedure, 50% (third and later also 50%)")
    if any(f == Decimal("0.25") for f in p.pos_factors):
        p.add(13, "13:25", "multiple procedures, indicator 1: third and later 25%")
    if any(k >= 6 for k in numbers):
        p.add(13, "13:by-report", "sixth and later procedure: by report (priced at the ranked %)")


def _finish(p: _Plan, provider: Provider, contract: Contract, others_paid: int) -> PricedLine:
    rl, row = p.rl, p.row
    allowed: Decimal | None
    exact: Decimal | None = None
    credit_rows = rl.credit
    work_for_credit = row.work_rvu
    if credit_rows is not None and credit_rows.row is not None:
        work_for_credit = credit_rows.row.work_rvu
    credit_exact = ZERO
    current_exact: Decimal | None = None
    if p.kind == "pay":
        _rank_rules(p)
        applied = {group for group, _part, _later in p.reductions}
        for group in COMPONENT_CODES:
            if group in applied:
                p.add(13, COMPONENT_CODES[group], COMPONENT_WORDS[group])
        if row.global_days == "ZZZ":
            p.add(17, "17:ZZZ", "add-on code: never ranked or reduced")
        eff = _effective(p, p.comps, True, p.bilat, p.endo_base, True)
        pay_factor, credit_factor, paid, modifier_rules = modifier_effects(
            SurgeryIndicators.of(row), p.mods, rl.line.reduced_pct, contract
        )
        p.rules.extend(modifier_rules)
        bundled_t = p.status_code == "T" and others_paid > 0
        if p.status_code == "T":
            p.add(
                7,
                "7:T-bundled" if bundled_t else "7:T",
                "status T: bundled, another PFS service is paid today"
                if bundled_t
                else "status T: paid, no other PFS service today",
            )
        elif p.status_code == "R":
            p.add(7, "7:R", "status R: restricted coverage, paid if covered")
        p.add(
            1,
            "1",
            f"[(W x {rl.gpci.work_gpci}) + (PE x {rl.gpci.pe_gpci}) + (MP x {rl.gpci.mp_gpci})] x "
            f"CF {row.conv_factor}",
        )
        if bundled_t or not paid:
            allowed = ZERO
        elif pay_factor is None:
            allowed = None
        else:
            exact = max(fee(eff, rl.gpci, row.conv_factor), ZERO) * pay_factor
            allowed = exact
        credit_exact = _credit(p, contract, credit_rows, work_for_credit) * credit_factor
        if credit_rows is not None:
            current_exact = _credit(p, contract, None, row.work_rvu) * credit_factor
        if bundled_t:
            credit_exact = work_for_credit * p.units if contract.credit_non_payable else ZERO
            current_exact = (
                None
                if current_exact is None
                else (row.work_rvu * p.units if contract.credit_non_payable else ZERO)
            )
    elif p.kind == "anes":
        pay_amount = _anesthesia(p)
        allowed = exact = pay_amount
    elif p.kind == "contractor":
        p.add(7, "7:" + p.status_code, f"status {p.status_code}: contractor-priced, no national amount")
        allowed = None
        credit_exact = work_for_credit * p.units
        current_exact = row.work_rvu * p.units if credit_rows is not None else None
    else:
        p.add(
            7,
            "7:" + p.status_code,
            f"status {p.status_code}: not paid under the PFS"
            + (" (RVUs shown, not used for Medicare payment)" if row.not_used_for_medicare else ""),
        )
        allowed = ZERO
        if contract.credit_non_payable:
            credit_exact = work_for_credit * p.units
            current_exact = row.work_rvu * p.units if credit_rows is not None else None
    limiting: Decimal | None = None
    if exact is not None and allowed is not None and allowed != ZERO:
        factor = ONE
        if provider.npp:
            factor *= NPP_FACTOR
            p.add(19, "19:NPP", "NP/PA/CNS under their own number: 85% (wRVU credit unchanged)")
        if not provider.participating:
            factor *= NONPAR_FACTOR
            p.add(19, "19:nonpar", "non-participating: 95%; limiting charge 115% of that")
            limiting = cents(exact * factor * LIMITING_FACTOR)
        allowed = exact * factor
    for mod in p.mods:
        if mod in INFORMATIONAL_MODIFIERS:
            p.add(0, "mod:" + mod, f"modifier {mod}: informational, no payment effect")
    setting_pe = row.fac_pe_rvu if rl.facility else row.nonfac_pe_rvu
    return PricedLine(
        index=rl.index,
        hcpcs=row.hcpcs,
        modifiers=p.mods,
        units=p.units,
        release=rl.release,
        pos=rl.line.pos,
        facility=rl.facility,
        setting_reason=rl.setting_reason,
        status=p.status_code,
        work_rvu=row.work_rvu,
        pe_rvu=setting_pe,
        mp_rvu=row.mp_rvu,
        carrier=rl.gpci.carrier,
        locality=rl.gpci.locality,
        work_gpci=rl.gpci.work_gpci,
        pe_gpci=rl.gpci.pe_gpci,
        mp_gpci=rl.gpci.mp_gpci,
        conv_factor=row.conv_factor,
        allowed=None if allowed is None else cents(allowed),
        limiting_charge=limiting,
        wrvu=_wrvu(credit_exact),
        wrvu_current=None if current_exact is None else _wrvu(current_exact),
        rules=tuple(p.rules),
    )


def _wrvu(value: Decimal) -> Decimal:
    return max(value, ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def _credit(p: _Plan, contract: Contract, credit_rows: CreditRows | None, work: Decimal) -> Decimal:
    """The credited work RVU of a paid line: the payment's reductions, each per the contract's switch."""
    pc_work = p.rl.pc_row.work_rvu if p.rl.pc_row else p.row.work_rvu
    base_work = p.endo_base[0]
    if credit_rows is not None:
        if credit_rows.pc_row is not None:
            pc_work = credit_rows.pc_row.work_rvu
        elif credit_rows.row is not None and p.row.modifier == "":
            pc_work = credit_rows.row.work_rvu
        if p.family_size:
            base_row = credit_rows.row if p.endo_is_base else credit_rows.endo_base_row
            base_work = base_row.work_rvu if base_row is not None else ZERO
    if p.row.modifier == "26":
        pc_work = work
    bilat = p.bilat if contract.reduces("bilateral") else p.bilat_off
    mp = contract.reduces("multiple_procedure")
    comps: Comps = (work, ZERO, ZERO)
    eff = _effective(p, comps, mp, bilat, (base_work, ZERO, ZERO), False)
    if mp:
        for group, _part, later in p.reductions:
            if group == "img-pc":
                eff = sub(eff, (pc_work * COMPONENT_RATES[group] * bilat * later, ZERO, ZERO))
    return eff[0]
