"""Bundling and coding warnings before billing: pure functions over lines and their reference rows.

Each check reads the PFS indicators of the row a line is priced from (status, global period, PC/TC)
and the line's modifiers, never an amount: a warning tells the user what to check and which modifier
resolves it when one does, and the price stays what the engine computed.

What is checked: an add-on code (global ZZZ) with no primary that day, an E/M visit on the day of a
procedure without 25 (000/010) or 57 (090), an E/M or a procedure inside the global period of an
earlier procedure without 24 or 58/78/79, the global and a component (-26/-TC) of the same code on
one date, the same code twice with nothing telling the lines apart, status T beside other services,
and codes whose status is not paid under the fee schedule.

What is not: the NCCI procedure-to-procedure pairs, the MUE unit limits and the add-on code edits
(which primaries each add-on code takes). Those are CMS files that are not among the data openrvu
loads, so no pair is guessed here: any non-add-on code on the date counts as a primary.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from openrvu.cms.indicators import PAID_STATUS, STATUS
from openrvu.cms.models import RvuRow
from openrvu.reference.categories import EM_FAMILIES

Severity = Literal["warning", "info"]

#: The E/M visit codes the global-surgery rules apply to (the families of ``reference.categories``).
EM_CODES = frozenset(code for _key, _name, codes in EM_FAMILIES for code in codes)

#: Modifiers that say a second line of the same code is a separate service (distinct or repeat).
DISTINCT_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU", "76", "77", "91"})
#: Modifiers naming a body site: two lines of a code at different sites are two services.
SITE_MODIFIERS = frozenset(
    {"RT", "LT", "50", "E1", "E2", "E3", "E4", "FA", "TA", "LC", "LD", "LM", "RC", "RI"}
    | {f"F{n}" for n in range(1, 10)}
    | {f"T{n}" for n in range(1, 10)}
)
#: Modifiers that take a procedure out of an earlier procedure's global period.
POSTOP_PROCEDURE_MODIFIERS = ("58", "78", "79")
#: Global periods of a procedure that a visit or another procedure can fall inside (days after).
POSTOP_DAYS = {"010": 10, "090": 90}
MINOR_GLOBALS = frozenset({"000", "010"})
PROCEDURE_GLOBALS = frozenset({"000", "010", "090"})
#: Status codes that may be paid even though they are not A/R/T (contractor-priced, anesthesia).
_PRICED_ELSEWHERE = frozenset({"C", "J"})
#: Status codes that are expected to carry no payment (reporting or bundled): info, not warning.
_QUIET_STATUS = frozenset({"B", "P", "M"})

_GLOBAL_SOURCE = "RVU25D documentation, Global Surgery field; IOM 100-04 ch.12 s.40 (global surgery)"
SOURCES: dict[str, tuple[int, str]] = {
    "addon-without-primary": (17, "payment-rules.md #13, #17; RVU25D documentation, Global Surgery ZZZ"),
    "em-same-day-minor-procedure": (17, f"payment-rules.md #17; {_GLOBAL_SOURCE}, modifier 25"),
    "em-same-day-major-surgery": (17, f"payment-rules.md #17; {_GLOBAL_SOURCE}, modifier 57"),
    "em-day-before-major-surgery": (17, f"payment-rules.md #17; {_GLOBAL_SOURCE}, modifier 57"),
    "em-in-global-period": (17, f"payment-rules.md #17; {_GLOBAL_SOURCE}, modifier 24"),
    "procedure-in-global-period": (17, f"payment-rules.md #17; {_GLOBAL_SOURCE}, modifiers 58/78/79"),
    "component-double-billed": (8, "payment-rules.md #8; RVU25D documentation, PC/TC indicator 1"),
    "same-code-repeated": (13, "payment-rules.md #13; modifiers 59/X{EPSU}, 76/77, RT/LT (CPT, CMS)"),
    "status-t-with-other-service": (7, "payment-rules.md #7; RVU25D documentation, Attachment A (T)"),
    "status-not-payable": (7, "payment-rules.md #7; RVU25D documentation, Attachment A (status codes)"),
}


@dataclass(frozen=True, slots=True)
class CodedLine:
    """A line as the checks read it.

    ``key`` is the caller's name for the line (a line number, a log entry id), unique among the lines
    checked together; ``row`` is the reference row the line is priced from (its -26/-TC row when it
    carries one), or None when the code is not in the release (then only its date and code count).
    """

    key: int
    on: date
    hcpcs: str
    modifiers: tuple[str, ...]
    row: RvuRow | None

    @property
    def label(self) -> str:
        """``99213-25`` style label used in the messages."""
        return self.hcpcs + "".join(f"-{m}" for m in self.modifiers)

    @property
    def global_days(self) -> str:
        """The global period of the line's row ("" when the row is unknown)."""
        return self.row.global_days if self.row is not None else ""

    def has(self, *mods: str) -> bool:
        """True when the line carries any of ``mods``."""
        return any(m in self.modifiers for m in mods)


@dataclass(frozen=True, slots=True)
class BillingWarning:
    """One thing to check before billing; it never changes an amount.

    ``lines`` are the keys of the lines to check or fix, ``related`` those that cause the warning (the
    procedure whose global period a visit falls in), ``on`` the date of the lines to fix, and
    ``modifiers`` the modifiers that resolve it when the facts support them (empty when none does).
    """

    code: str
    severity: Severity
    on: date
    lines: tuple[int, ...]
    related: tuple[int, ...]
    message: str
    modifiers: tuple[str, ...]
    rule: int
    source: str

    def to_dict(self) -> dict[str, object]:
        """The JSON shape (keys of the lines as given; ``openrvu price`` gives 1-based line numbers)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "date": self.on.isoformat(),
            "lines": list(self.lines),
            "related_lines": list(self.related),
            "message": self.message,
            "modifiers": list(self.modifiers),
            "rule": self.rule,
            "source": self.source,
        }


def billing_warnings(
    lines: Iterable[CodedLine], context: Iterable[CodedLine] = ()
) -> tuple[BillingWarning, ...]:
    """Every warning about ``lines`` (one provider), in a fixed order whatever the order of the input.

    ``context`` are other lines of the same provider that are not reported on (the surgery whose
    global period covers a visit in ``lines``, the surgery the day after a visit, the other lines of a
    date): warnings that concern none of ``lines`` are left out.
    """
    subjects = sorted(lines, key=_order)
    wanted = {line.key for line in subjects}
    everything = sorted({line.key: line for line in [*context, *subjects]}.values(), key=_order)
    by_day: dict[date, list[CodedLine]] = defaultdict(list)
    for line in everything:
        by_day[line.on].append(line)
    found: list[BillingWarning] = []
    for day in sorted({line.on for line in subjects}):
        found.extend(_encounter(by_day[day]))
    found.extend(_global_periods(everything, wanted))
    kept = [w for w in found if wanted.intersection(w.lines)]
    return tuple(sorted(kept, key=lambda w: (w.on, w.lines, w.code, w.related)))


def _order(line: CodedLine) -> tuple[date, int]:
    return line.on, line.key


def _warn(
    code: str,
    lines: Sequence[CodedLine],
    message: str,
    *,
    related: Sequence[CodedLine] = (),
    modifiers: tuple[str, ...] = (),
    severity: Severity = "warning",
) -> BillingWarning:
    rule, source = SOURCES[code]
    return BillingWarning(
        code,
        severity,
        lines[0].on,
        tuple(sorted(line.key for line in lines)),
        tuple(sorted(line.key for line in related)),
        message,
        modifiers,
        rule,
        source,
    )


def _names(lines: Sequence[CodedLine], *, dated: bool = False, most: int = 3) -> str:
    """'27447 (2025-10-01) and 20610 ×2': each label once, at most ``most`` named, then 'and N more'
    (only the lines named are labelled: a busy log can put hundreds of lines behind one warning)."""
    counts: dict[str, int] = {}
    named = 0
    for x in lines:
        name = f"{x.label} ({x.on.isoformat()})" if dated else x.label
        if name not in counts and len(counts) == most:
            break
        counts[name] = counts.get(name, 0) + 1
        named += 1
    names = [name + (f" ×{n}" if n > 1 else "") for name, n in counts.items()]
    if named < len(lines):
        names.append(f"{len(lines) - named} more")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _encounter(day: list[CodedLine]) -> list[BillingWarning]:
    """The checks within one date (one encounter)."""
    return [
        *_status(day),
        *_addons(day),
        *_visit_with_procedure(day),
        *_components(day),
        *_repeats(day),
    ]


def _status(day: list[CodedLine]) -> list[BillingWarning]:
    out = []
    for line in day:
        if line.row is None:
            continue
        status = line.row.status_code
        if status == "T":
            # another injection does not count: the engine bundles T only beside an A or R service
            others = [x for x in day if x.row is not None and x.row.status_code in PAID_STATUS - {"T"}]
            if others:
                out.append(
                    _warn(
                        "status-t-with-other-service",
                        [line],
                        f"{line.label} has status T: it is paid only when no other fee schedule service "
                        f"is billed that day, and {_names(others)} is billed too, so {line.label} is "
                        "bundled into it. No modifier changes this.",
                        related=others,
                    )
                )
        elif status not in PAID_STATUS and status not in _PRICED_ELSEWHERE:
            meaning = STATUS.get(status, f"status {status!r}, not in the CMS documentation we have")
            out.append(
                _warn(
                    "status-not-payable",
                    [line],
                    f"{line.label} has status {status} ({meaning}). {_status_advice(status)}",
                    modifiers=("GY",) if status in ("N", "E", "X") else (),
                    severity="info" if status in _QUIET_STATUS else "warning",
                )
            )
    return out


def _status_advice(status: str) -> str:
    if status in ("B", "P"):
        return "It is paid as part of the other services, not on its own; no modifier changes this."
    if status == "M":
        return "It reports a quality measure and carries no payment."
    if status in ("I", "G"):
        return "Medicare pays this service under another code: check which code replaces it."
    if status in ("D", "F", "H"):
        return "The code is no longer valid: use the code that replaced it."
    return (
        "Medicare does not pay it under the fee schedule; no modifier makes it payable. Modifier GY "
        "tells Medicare you know it is excluded or not a Medicare benefit."
    )


def _addons(day: list[CodedLine]) -> list[BillingWarning]:
    primaries = [x for x in day if x.row is not None and x.global_days != "ZZZ"]
    if primaries:
        return []
    return [
        _warn(
            "addon-without-primary",
            [line],
            f"{line.label} is an add-on code (global ZZZ): it is paid only with its primary procedure, "
            f"billed by the same provider on the same date, and no primary code is billed on "
            f"{line.on.isoformat()}. Add the primary code or check the date; no modifier replaces it.",
        )
        for line in day
        if line.global_days == "ZZZ"
    ]


def _visit_with_procedure(day: list[CodedLine]) -> list[BillingWarning]:
    out = []
    minor = [x for x in day if x.global_days in MINOR_GLOBALS and x.hcpcs not in EM_CODES]
    major = [x for x in day if x.global_days == "090"]
    for visit in (x for x in day if x.hcpcs in EM_CODES):
        if minor and not visit.has("25"):
            wrong = " (57 is for major surgery only)" if visit.has("57") else ""
            out.append(
                _warn(
                    "em-same-day-minor-procedure",
                    [visit],
                    f"{visit.label} is billed on the same day as {_names(minor)}, a minor procedure "
                    "(0- or 10-day global period): a visit on the day of a minor procedure is part of "
                    "the procedure. If the visit was significant and separately identifiable "
                    f"(beyond the decision to do the procedure), add modifier 25 to {visit.hcpcs}{wrong}.",
                    related=minor,
                    modifiers=("25",),
                )
            )
        if major and not visit.has("57"):
            out.append(
                _warn(
                    "em-same-day-major-surgery",
                    [visit],
                    f"{visit.label} is billed on the day of {_names(major)}, major surgery with a "
                    "90-day global period: the visit is part of the surgery unless it is where the "
                    f"decision to operate was made; then add modifier 57 to {visit.hcpcs}.",
                    related=major,
                    modifiers=("57",),
                )
            )
    return out


def _components(day: list[CodedLine]) -> list[BillingWarning]:
    out = []
    by_code: dict[str, list[CodedLine]] = defaultdict(list)
    for line in day:
        by_code[line.hcpcs].append(line)
    for code, group in by_code.items():
        whole = [x for x in group if not x.has("26", "TC") and not x.has(*DISTINCT_MODIFIERS)]
        parts = [x for x in group if x.has("26", "TC") and not x.has(*DISTINCT_MODIFIERS)]
        if whole and parts:
            out.append(
                _warn(
                    "component-double-billed",
                    [*whole, *parts],
                    f"{code} is billed globally ({_names(whole)}) and as a component ({_names(parts)}) "
                    "on the same date: the global code already pays both the professional (26) and the "
                    "technical (TC) component. Bill it once; if these are two separate studies, mark "
                    "the second with 76 (repeat by the same physician) or 59.",
                    modifiers=("76", "59"),
                )
            )
    return out


def _repeats(day: list[CodedLine]) -> list[BillingWarning]:
    groups: dict[tuple[str, str, frozenset[str]], list[CodedLine]] = defaultdict(list)
    for line in day:
        if line.has(*DISTINCT_MODIFIERS):
            continue
        component = "26" if line.has("26") else "TC" if line.has("TC") else ""
        groups[(line.hcpcs, component, frozenset(SITE_MODIFIERS.intersection(line.modifiers)))].append(line)
    return [
        _warn(
            "same-code-repeated",
            group,
            f"{group[0].label} is billed {len(group)} times on {group[0].on.isoformat()} with nothing "
            "that tells the lines apart. If they are separate services (another site, session or "
            "lesion), mark the later ones with 59 or XS/XE/XP/XU (distinct), 76/77 (repeat) or RT/LT "
            "(side); if it is one service, bill it once, with units where the code allows.",
            modifiers=("59", "XS", "XE", "XP", "XU", "76", "77", "RT", "LT"),
            severity="info",
        )
        for group in groups.values()
        if len(group) > 1
    ]


class _Dated:
    """Lines in date order, sliced by date with bisection."""

    def __init__(self, lines: list[CodedLine]) -> None:
        self.lines = lines
        self.days = [x.on for x in lines]

    def between(self, first: date, before: date, inclusive: bool = False) -> list[CodedLine]:
        """The lines dated ``first`` up to ``before`` (excluded, or included when ``inclusive``)."""
        cut = bisect.bisect_right if inclusive else bisect.bisect_left
        return self.lines[bisect.bisect_left(self.days, first) : cut(self.days, before)]


def _global_periods(lines: list[CodedLine], wanted: set[int]) -> list[BillingWarning]:
    """Visits and procedures inside the global period of an earlier procedure (and the day before)."""
    # the procedures of each global period in date order (``lines`` is): a window is two bisections
    periods = {
        code: _Dated([x for x in lines if x.global_days == code and x.hcpcs not in EM_CODES])
        for code in POSTOP_DAYS
    }
    out = []
    for line in lines:
        if line.key not in wanted:
            continue
        visit = line.hcpcs in EM_CODES
        if not visit and line.global_days not in PROCEDURE_GLOBALS:
            continue
        covering = [
            s
            for code, dated in periods.items()
            for s in dated.between(line.on - timedelta(days=POSTOP_DAYS[code]), line.on)
        ]
        if visit:
            tomorrow = line.on + timedelta(days=1)
            out.extend(_visit_in_global(line, covering, periods["090"].between(tomorrow, tomorrow, True)))
        elif covering and not line.has(*POSTOP_PROCEDURE_MODIFIERS):
            out.append(
                _warn(
                    "procedure-in-global-period",
                    [line],
                    f"{line.label} on {line.on.isoformat()} falls in the post-operative period of "
                    f"{_names(covering, dated=True)}. If it is the same patient, treatment of a "
                    "complication that needs no return to the operating room is part of that global "
                    "payment. Otherwise add 58 (staged or planned, or more extensive), 78 (unplanned "
                    "return to the operating room for a related problem) or 79 (unrelated procedure).",
                    related=covering,
                    modifiers=POSTOP_PROCEDURE_MODIFIERS,
                )
            )
    return out


def _visit_in_global(
    visit: CodedLine, covering: list[CodedLine], major_next_day: list[CodedLine]
) -> list[BillingWarning]:
    """A visit inside earlier global periods, or on the day before major surgery."""
    out = []
    if covering and not visit.has("24"):
        out.append(
            _warn(
                "em-in-global-period",
                [visit],
                f"{visit.label} on {visit.on.isoformat()} falls in the global period of "
                f"{_names(covering, dated=True)}. If it is the same patient, post-operative visits are "
                "part of the surgery's payment (CMS tracks them as 99024, not paid). If the visit was for "
                f"a problem unrelated to the surgery, add modifier 24 to {visit.hcpcs}.",
                related=covering,
                modifiers=("24",),
            )
        )
    if major_next_day and not visit.has("57"):
        out.append(
            _warn(
                "em-day-before-major-surgery",
                [visit],
                f"{visit.label} on {visit.on.isoformat()} is the day before {_names(major_next_day)}, "
                "major surgery whose 90-day global period starts the day before: if it is the same "
                "patient the visit is part of the surgery, unless the decision to operate was made at "
                f"this visit; then add modifier 57 to {visit.hcpcs}.",
                related=major_next_day,
                modifiers=("57",),
            )
        )
    return out
