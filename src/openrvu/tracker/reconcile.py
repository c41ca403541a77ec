"""Reconcile an employer's productivity report against the user's own log, line by line.

``reconcile(session, user, catalog, filename, data)`` reads the report (``reconcile_report``), takes
the user's log lines of the same period, and pairs them in passes, each pairing naming its rule:

1. ``date+code+modifiers``: same date of service, code and modifiers (units compared afterwards);
2. ``date+code``: same date and code, different modifiers;
3. ``code+modifiers ±1 day``: same code and modifiers a day apart (date of service vs posting date);
4. ``code ±1 day``: same code a day apart, different modifiers.

Each line ends in one category: matched and equal; in the log but missing from the report (a possible
dropped charge); on the report but not in the log; credited wRVU differs; denied. A difference is
explained by computation, never by guess (``reconcile_explain``): units, the code's wRVU in another
loaded release (a stale fee-schedule year), or a standard modifier reduction; else it says it found no
explanation. Totals: wRVU logged vs credited, the difference (logged minus credited: positive means
under-credited) and its breakdown by category, and at the user's $ per wRVU the money at stake.

Nothing of the report is stored: a reconciliation is a comparison, recomputed from the file each time
(the file may carry patient-data columns, which are never read). Decimal throughout; money is
rounded once, half up, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openrvu.tracker.catalog import Catalog
from openrvu.tracker.models import LogEntry, User
from openrvu.tracker.reconcile_explain import Explainer, LogLine, same, wrvu_text
from openrvu.tracker.reconcile_report import EmployerReport, ReportLine, parse_report

MATCHED = "matched"
MISSING = "missing_from_report"
REPORT_ONLY = "not_in_log"
DIFFERS = "wrvu_differs"
DENIED = "denied"
ATTRIBUTED = "credited_to_another"
#: Every category, in the order a page shows them, with its label.
CATEGORIES: dict[str, str] = {
    MISSING: "In your log, missing from the report (possible dropped charge)",
    ATTRIBUTED: "Credited to another clinician (wrong attribution)",
    DIFFERS: "Credited wRVU differs",
    DENIED: "Denied on the report",
    REPORT_ONLY: "On the report, not in your log",
    MATCHED: "Matched and equal",
}
RULES = ("date+code+modifiers", "date+code", "code+modifiers ±1 day", "code ±1 day")
_CENTS = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Finding:
    """One outcome: a report line, a log line or a pair, its category, the rule that paired it, why."""

    category: str
    rule: str | None
    report: ReportLine | None
    log: LogLine | None
    explanation: str
    cause: str | None = None  # for a credit that differs: see ``reconcile_explain.Explanation``
    report_release: str | None = None  # the release whose values the report used, when not the log's

    @property
    def logged(self) -> Decimal:
        """The log line's wRVU (0 when there is no log line or it is not priced)."""
        return (self.log.wrvu or ZERO) if self.log else ZERO

    @property
    def credited(self) -> Decimal:
        """The wRVU the report credits to you (0 without a report line, or when it credits another)."""
        return self.report.wrvu if self.report and self.category != ATTRIBUTED else ZERO

    @property
    def difference(self) -> Decimal:
        """Logged minus credited: positive when the report credits less than the log."""
        return self.logged - self.credited


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    """The lines of one category and their wRVU difference (and money, at the user's rate)."""

    category: str
    label: str
    lines: int
    logged: Decimal
    credited: Decimal
    difference: Decimal
    money: Decimal | None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The whole comparison: every finding, the totals and what was read or skipped."""

    start: date
    end: date
    report: EmployerReport
    findings: tuple[Finding, ...]
    logged: Decimal
    credited: Decimal
    dollars_per_wrvu: Decimal | None
    by_category: tuple[CategoryTotal, ...]
    outside_period: int
    reversals: int
    notes: tuple[str, ...] = field(default=())

    @property
    def difference(self) -> Decimal:
        """wRVU logged minus wRVU credited over the period."""
        return self.logged - self.credited

    @property
    def money(self) -> Decimal | None:
        """The difference at the user's $ per wRVU (None when no rate is set), rounded once."""
        return _money(self.difference, self.dollars_per_wrvu)

    def in_category(self, category: str) -> list[Finding]:
        """The findings of one category, in report-line then date order."""
        return [f for f in self.findings if f.category == category]


def _money(wrvu: Decimal, rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (wrvu * rate).quantize(_CENTS, rounding=ROUND_HALF_UP)


def log_lines(session: Session, user: User, start: date, end: date) -> list[LogLine]:
    """The user's lines from ``start`` to ``end`` (inclusive), oldest first."""
    stmt = (
        select(LogEntry)
        .where(LogEntry.user_id == user.id, LogEntry.date_of_service.between(start, end))
        .order_by(LogEntry.date_of_service, LogEntry.id)
    )
    return [
        LogLine(
            e.id,
            e.date_of_service,
            e.hcpcs,
            tuple(sorted(e.modifier_list)),
            e.units,
            e.pos,
            e.release,
            e.wrvu,
            e.pricing_note,
            e.encounter,  # None: a line from before encounters, priced with its date's group
        )
        for e in session.scalars(stmt)
    ]


def reconcile(
    session: Session,
    user: User,
    catalog: Catalog,
    filename: str,
    data: bytes,
    *,
    start: date | None = None,
    end: date | None = None,
    dollars_per_wrvu: Decimal | None = None,
    provider: str | None = None,
) -> Reconciliation:
    """Compare an employer report (CSV/XLSX bytes) with the user's log over ``start``..``end``.

    The period defaults to the first and last date of the report. ``dollars_per_wrvu`` defaults to the
    profile's. ``provider`` names the user on a report that lists several clinicians: the others'
    lines then only serve to find the user's lines credited to someone else. Raises ``ReportRejected``
    for an unreadable report, ``ValueError`` for a reversed period or an unknown provider.
    Reads only; writes nothing.
    """
    report = parse_report(filename, data)
    first = start or min(r.date_of_service for r in report.lines)
    last = end or max(r.date_of_service for r in report.lines)
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    inside = [r for r in report.lines if first <= r.date_of_service <= last]
    kept, reversals = net_reversals(inside)
    mine, others = split_by_provider(report, kept, provider)
    # a day either side, so a report dated by posting can still meet the log line it posts
    logs = log_lines(session, user, first - timedelta(days=1), last + timedelta(days=1))
    pairs, lone_reports, lone_logs = match(mine, logs)
    elsewhere, _others_lines, lone_logs = match(others, lone_logs)
    explainer = Explainer(catalog, user, logs)
    findings = [_pair_finding(r, log, rule, explainer) for r, log, rule in pairs]
    findings += [_attributed(r, log, rule) for r, log, rule in elsewhere]
    findings += [_report_only(r) for r in lone_reports]
    findings += [_missing(log) for log in lone_logs if first <= log.date_of_service <= last]
    findings.sort(key=_order)
    rate = dollars_per_wrvu if dollars_per_wrvu is not None else user.dollars_per_wrvu
    logged = sum((f.logged for f in findings), ZERO)
    credited = sum((f.credited for f in findings), ZERO)
    notes = _stale_notes(findings) + _notes(report, len(report.lines) - len(inside), reversals, rate)
    notes += _provider_notes(report, provider, len(others))
    return Reconciliation(
        first,
        last,
        report,
        tuple(findings),
        logged,
        credited,
        rate,
        _totals(findings, rate),
        len(report.lines) - len(inside),
        reversals,
        tuple(notes),
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def split_by_provider(
    report: EmployerReport, lines: list[ReportLine], provider: str | None
) -> tuple[list[ReportLine], list[ReportLine]]:
    """The lines credited to the user and those credited to other clinicians. Without ``provider``
    every line is the user's; a line with no provider named counts as the user's."""
    if not provider or not provider.strip():
        return lines, []
    if not report.providers:
        raise ValueError("the report has no provider column: leave the provider blank")
    if not any(_same_name(provider, p) for p in report.providers):
        listed = ", ".join(report.providers[:10])
        raise ValueError(f"no provider {provider.strip()!r} on the report; it lists: {listed}")
    mine = [r for r in lines if not r.provider or _same_name(r.provider, provider)]
    return mine, [r for r in lines if r.provider and not _same_name(r.provider, provider)]


def _order(f: Finding) -> tuple[date, str, int]:
    line = f.log or f.report
    assert line is not None  # every finding has a log line, a report line or both
    return (line.date_of_service, line.hcpcs, f.report.line if f.report else 0)


def net_reversals(lines: list[ReportLine]) -> tuple[list[ReportLine], int]:
    """Drop each reversal (negative wRVU) together with the charge it reverses (same date, code,
    modifiers and the opposite wRVU); returns the remaining lines and the number of pairs dropped.
    A reversal with no charge to cancel stays, as a report line with negative credit."""
    charges: dict[tuple[date, str, tuple[str, ...], Decimal], list[int]] = {}
    for i, line in enumerate(lines):
        if line.wrvu > 0:
            charges.setdefault((*_key(line), line.wrvu), []).append(i)
    dropped: set[int] = set()
    for i, line in enumerate(lines):
        if line.wrvu < 0 and (found := charges.get((*_key(line), -line.wrvu))):
            dropped.update((found.pop(0), i))
    return [line for i, line in enumerate(lines) if i not in dropped], len(dropped) // 2


def _key(r: ReportLine) -> tuple[date, str, tuple[str, ...]]:
    return (r.date_of_service, r.hcpcs, r.modifiers)


#: The matching passes: each rule, the day offsets it looks at, and whether modifiers must agree.
_PASSES: tuple[tuple[str, tuple[int, ...], bool], ...] = (
    (RULES[0], (0,), True),
    (RULES[1], (0,), False),
    (RULES[2], (-1, 1), True),
    (RULES[3], (-1, 1), False),
)


def match(
    report: list[ReportLine], logs: list[LogLine]
) -> tuple[list[tuple[ReportLine, LogLine, str]], list[ReportLine], list[LogLine]]:
    """Pair report lines with log lines, one to one, strictest rule first.

    Within a rule, a report line takes the log line of equal units and wRVU first, then equal units,
    then the nearest date, then the oldest line: so duplicates of one code pair sensibly.
    Returns the pairs (with their rule), the unpaired report lines and the unpaired log lines.
    """
    by_day: dict[tuple[str, date], list[LogLine]] = {}
    for log in logs:
        by_day.setdefault((log.hcpcs, log.date_of_service), []).append(log)
    taken: set[int] = set()
    pairs: list[tuple[ReportLine, LogLine, str]] = []
    waiting = list(report)
    for rule, offsets, same_mods in _PASSES:
        still = []
        for r in waiting:
            options = [
                g
                for days in offsets
                for g in by_day.get((r.hcpcs, r.date_of_service + timedelta(days=days)), ())
                if g.id not in taken and (not same_mods or g.modifiers == r.modifiers)
            ]
            if not options:
                still.append(r)
                continue
            best = min(options, key=lambda g, r=r: _preference(r, g))  # type: ignore[misc]
            taken.add(best.id)
            pairs.append((r, best, rule))
        waiting = still
    return pairs, waiting, [g for g in logs if g.id not in taken]


def _preference(r: ReportLine, g: LogLine) -> tuple[bool, bool, int, int]:
    equal = g.wrvu is not None and same(g.wrvu, r.wrvu)
    return (g.units != r.units, not equal, abs((r.date_of_service - g.date_of_service).days), g.id)


def _pair_finding(r: ReportLine, log: LogLine, rule: str, explainer: Explainer) -> Finding:
    how = _rule_words(r, log, rule)
    if r.denied:
        credit = "no wRVU credited" if r.wrvu == 0 else f"{wrvu_text(r.wrvu)} wRVU still credited"
        return Finding(
            DENIED, rule, r, log, f"the claim is {r.status!r} on the report ({credit}): check it was reworked"
        )
    if log.wrvu is not None and same(log.wrvu, r.wrvu):
        units = f"; units differ (report {r.units}, log {log.units})" if r.units != log.units else ""
        return Finding(MATCHED, rule, r, log, f"credited as logged{how}{units}")
    why = explainer.explain(r, log)
    return Finding(DIFFERS, rule, r, log, why.text + how, why.cause, why.release)


def _rule_words(r: ReportLine, log: LogLine, rule: str) -> str:
    if rule == RULES[0]:
        return ""
    parts = []
    if r.modifiers != log.modifiers:
        theirs, mine = " ".join(r.modifiers) or "none", " ".join(log.modifiers) or "none"
        parts.append(f"modifiers differ (report {theirs}, log {mine})")
    if r.date_of_service != log.date_of_service:
        parts.append(f"dated {r.date_of_service} on the report, {log.date_of_service} in the log")
    return "; " + "; ".join(parts) if parts else ""


def _attributed(r: ReportLine, log: LogLine, rule: str) -> Finding:
    return Finding(
        ATTRIBUTED,
        rule,
        r,
        log,
        f"credited to {r.provider} on the report, not to you: ask for it to be re-attributed"
        + _rule_words(r, log, rule),
    )


def _report_only(r: ReportLine) -> Finding:
    if r.denied:
        return Finding(DENIED, None, r, None, f"the claim is {r.status!r} on the report; not in your log")
    if r.wrvu < 0:
        return Finding(REPORT_ONLY, None, r, None, "a reversal with no charge on the report to cancel")
    return Finding(
        REPORT_ONLY,
        None,
        r,
        None,
        "credited to you but not in your log: log it if it was yours, else ask about the attribution",
    )


def _missing(log: LogLine) -> Finding:
    at_stake = "unpriced in your log" if log.wrvu is None else f"{wrvu_text(log.wrvu)} wRVU at stake"
    return Finding(MISSING, None, None, log, f"not on the report: a possible dropped charge ({at_stake})")


def _totals(findings: list[Finding], rate: Decimal | None) -> tuple[CategoryTotal, ...]:
    out = []
    for key, label in CATEGORIES.items():
        mine = [f for f in findings if f.category == key]
        logged = sum((f.logged for f in mine), ZERO)
        credited = sum((f.credited for f in mine), ZERO)
        out.append(
            CategoryTotal(
                key, label, len(mine), logged, credited, logged - credited, _money(logged - credited, rate)
            )
        )
    return tuple(out)


def _stale_notes(findings: list[Finding]) -> list[str]:
    """One headline per older release the report's credits match: the likely stale fee schedule."""
    differs = [f for f in findings if f.category == DIFFERS]
    by_release: dict[str, list[Finding]] = {}
    for f in differs:
        if f.report_release:
            by_release.setdefault(f.report_release, []).append(f)
    return [
        f"{len(found)} of {len(differs)} differing line(s) are credited at release {release}'s values "
        f"({sum((f.difference for f in found), ZERO)} wRVU): the report may use a stale fee schedule"
        for release, found in sorted(by_release.items())
    ]


def _provider_notes(report: EmployerReport, provider: str | None, others: int) -> list[str]:
    if provider and provider.strip():
        return [f"{others} line(s) of other clinicians were read only to find your lines credited to them"]
    if len(report.providers) > 1:
        listed = ", ".join(report.providers[:10])
        return [
            f"the report lists {len(report.providers)} clinicians ({listed}): every line was taken as yours; "
            "name yours to check attribution"
        ]
    return []


def _notes(report: EmployerReport, outside: int, reversals: int, rate: Decimal | None) -> list[str]:
    notes = []
    if report.patient_data_columns:
        notes.append(
            "columns that could hold patient data were not read and nothing of them is kept: "
            + ", ".join(report.patient_data_columns)
        )
    if report.ignored_columns:
        notes.append("other columns not used: " + ", ".join(report.ignored_columns))
    if report.dates_are_posting_dates:
        notes.append("the report has posting dates, not dates of service: lines a day apart still match")
    if report.header_line > 1:
        notes.append(f"the header is line {report.header_line}; the line(s) above it were skipped")
    if report.summary_lines:
        notes.append(f"{report.summary_lines} subtotal/total line(s) without a date and a code were skipped")
    if outside:
        notes.append(f"{outside} report line(s) outside the period were left out")
    if reversals:
        notes.append(f"{reversals} charge(s) reversed on the report were netted out with their reversal")
    if rate is None:
        notes.append("set your $ per wRVU in your profile to see the money at stake")
    return notes


def result_json(result: Reconciliation) -> dict[str, Any]:
    """The reconciliation as JSON-ready values (Decimals as strings), for the API and ``--json``."""
    return {
        "period": {"start": result.start.isoformat(), "end": result.end.isoformat()},
        "report": {
            "filename": result.report.filename,
            "lines": len(result.report.lines),
            "columns_used": result.report.columns,
            "patient_data_columns_ignored": list(result.report.patient_data_columns),
            "providers": list(result.report.providers),
            "other_columns_ignored": list(result.report.ignored_columns),
            "outside_period": result.outside_period,
            "reversals_netted": result.reversals,
        },
        "totals": {
            "logged_wrvu": str(result.logged),
            "credited_wrvu": str(result.credited),
            "difference_wrvu": str(result.difference),
            "dollars_per_wrvu": None if result.dollars_per_wrvu is None else str(result.dollars_per_wrvu),
            "money_at_stake": None if result.money is None else str(result.money),
            "by_category": [
                {
                    "category": t.category,
                    "label": t.label,
                    "lines": t.lines,
                    "logged_wrvu": str(t.logged),
                    "credited_wrvu": str(t.credited),
                    "difference_wrvu": str(t.difference),
                    "money": None if t.money is None else str(t.money),
                }
                for t in result.by_category
            ],
        },
        "notes": list(result.notes),
        "lines": [finding_json(f) for f in result.findings],
    }


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding as JSON-ready values."""
    r, g = f.report, f.log
    return {
        "category": f.category,
        "rule": f.rule,
        "cause": f.cause,
        "report_release": f.report_release,
        "explanation": f.explanation,
        "difference_wrvu": str(f.difference),
        "report": None
        if r is None
        else {
            "line": r.line,
            "date_of_service": r.date_of_service.isoformat(),
            "hcpcs": r.hcpcs,
            "modifiers": list(r.modifiers),
            "units": r.units,
            "credited_wrvu": str(r.wrvu),
            "paid": None if r.paid is None else str(r.paid),
            "status": r.status,
            "provider": r.provider,
        },
        "log": None
        if g is None
        else {
            "id": g.id,
            "date_of_service": g.date_of_service.isoformat(),
            "hcpcs": g.hcpcs,
            "modifiers": list(g.modifiers),
            "units": g.units,
            "release": g.release,
            "wrvu": None if g.wrvu is None else str(g.wrvu),
        },
    }
