"""Reconciliation of an employer report against the log: matching rules, categories, computed
explanations (units, stale fee-schedule year from the loaded releases, modifier reductions), totals,
patient-data columns never read, bad files refused. Every report here is SYNTHETIC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from openrvu.tracker import entries, reconcile, reconcile_export
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.models import AuditLog, LogEntry, User
from openrvu.tracker.reconcile_explain import LogLine
from openrvu.tracker.reconcile_report import ReportLine, ReportRejected, parse_report

RULE_EXACT = "date+code+modifiers"
PROCEDURES = ("27447", "29881", "20611", "11042", "20610")


def stale_code(catalog: Catalog) -> tuple[str, Decimal, Decimal]:
    """A procedure whose work RVU differs between the 2025 and 2026 releases, read from the loaded data."""
    ref = catalog.reference
    names = [r.name for r in ref.releases()]
    old = next(n for n in names if n.startswith("RVU25"))
    new = next(n for n in names if n.startswith("RVU26"))
    for code in PROCEDURES:
        a, b = ref.rvu(old, code), ref.rvu(new, code)
        if a and b and a.work_rvu != b.work_rvu and b.work_rvu > 0:
            return code, a.work_rvu, b.work_rvu
    raise AssertionError("no procedure differs between the loaded releases")


def work(catalog: Catalog, code: str, modifier: str = "") -> Decimal:
    """A code's work RVU in the 2026 release the log lines are priced from."""
    new = next(r.name for r in catalog.reference.releases() if r.name.startswith("RVU26"))
    row = catalog.reference.rvu(new, code, modifier)
    assert row is not None
    return row.work_rvu


def log(
    db: Session, user: User, catalog: Catalog, day: str, code: str, mods: str = "", units: int = 1
) -> LogEntry:
    spec = LineSpec(date.fromisoformat(day), code, tuple(m for m in mods.split() if m), units, "11")
    return entries.create_entry(db, user, spec, catalog)


def synthetic_row(n: int, *fields: str) -> str:
    """A report line behind SYNTHETIC patient-data columns (name, MRN, DOB, account), then ``fields``."""
    return ",".join((f"SYNTHETIC PATIENT {n}", f"SYN-{n:04d}", "01/02/1950", f"ACCT-{n}", *fields))


Scenario = tuple[User, bytes, dict[str, str]]
HEADER = (
    "Patient Name,MRN,DOB,Account #,Date of Service,CPT Code,Modifiers,Units,wRVUs,Paid Amount,Claim Status"
)


def build_scenario(db: Session, user: User, catalog: Catalog) -> tuple[bytes, str]:
    """Log lines for ``user`` and a SYNTHETIC report that between them hold every category and
    explanation; returns the report (CSV bytes) and the code whose credit is a stale year's."""
    code, old, _new = stale_code(catalog)
    log(db, user, catalog, "2026-08-03", code)
    log(db, user, catalog, "2026-08-04", "99214")
    log(db, user, catalog, "2026-08-05", "99214", "25")
    log(db, user, catalog, "2026-08-06", "99213")
    log(db, user, catalog, "2026-08-10", "97110", units=3)
    log(db, user, catalog, "2026-08-11", "20610")
    log(db, user, catalog, "2026-08-12", "71046", "26")
    log(db, user, catalog, "2026-08-13", "99215")
    log(db, user, catalog, "2026-08-14", "93000")
    log(db, user, catalog, "2026-08-17", "99204")
    e99213, e99214 = work(catalog, "99213"), work(catalog, "99214")
    rows = [
        synthetic_row(1, "08/03/2026", code, "", "1", str(old)),
        synthetic_row(2, "08/04/2026", "99214", "", "1", str(e99214), "80.00", "Paid"),
        synthetic_row(2, "08/04/2026", "99213", "", "1", str(e99213)),
        synthetic_row(2, "08/04/2026", "99213", "", "1", f"-{e99213}", "", "Reversed"),
        synthetic_row(3, "08/05/2026", "99214", "", "1", str(e99214)),
        synthetic_row(4, "08/07/2026", "99213", "", "1", str(e99213)),
        synthetic_row(5, "08/10/2026", "97110", "GP", "2", str(2 * work(catalog, "97110"))),
        synthetic_row(6, "08/11/2026", "20610", "", "1", str(work(catalog, "20610") / 2)),
        synthetic_row(7, "08/12/2026", "71046", "TC", "1", "0"),
        synthetic_row(8, "08/13/2026", "99215", "", "1", "", "0.00", "Denied - CO16"),
        synthetic_row(9, "08/15/2026", "99212", "", "1", str(work(catalog, "99212"))),
        synthetic_row(10, "08/17/2026", "99204", "", "1", "2.22"),
        ",,,,,,,,25.00,,",  # a total line
    ]
    return (HEADER + "\n" + "\n".join(rows) + "\n").encode(), code


@pytest.fixture()
def scenario(db: Session, make_user: Callable[..., User], catalog: Catalog) -> Scenario:
    """A user paid $55.50 per wRVU, their log and the SYNTHETIC report of ``build_scenario``."""
    user = make_user(dollars_per_wrvu=Decimal("55.50"))
    data, code = build_scenario(db, user, catalog)
    return user, data, {"code": code}


def by_code(result: reconcile.Reconciliation, code: str) -> reconcile.Finding:
    found = [f for f in result.findings if (f.log or f.report).hcpcs == code]  # type: ignore[union-attr]
    assert len(found) == 1, found
    return found[0]


def test_every_category_with_its_rule_and_computed_explanation(
    db: Session, catalog: Catalog, scenario: Scenario
) -> None:
    user, data, names = scenario
    audit_rows = db.query(AuditLog).count()
    result = reconcile.reconcile(db, user, catalog, "synthetic-report.csv", data)
    assert (result.start, result.end) == (date(2026, 8, 3), date(2026, 8, 17))
    code, old, new = stale_code(catalog)

    stale = by_code(result, names["code"])
    assert (stale.category, stale.rule) == (reconcile.DIFFERS, "date+code+modifiers")
    old_release = next(r.name for r in catalog.reference.releases() if r.name.startswith("RVU25"))
    assert "stale fee-schedule year" in stale.explanation and old_release in stale.explanation
    assert stale.difference == new - old
    assert (stale.cause, stale.report_release) == ("stale_release", old_release)
    assert any(
        n.startswith(f"1 of 5 differing line(s) are credited at release {old_release}") for n in result.notes
    )

    exact = [
        f for f in result.findings if f.rule == "date+code+modifiers" and f.category == reconcile.MATCHED
    ]
    assert [(f.log.hcpcs, f.log.date_of_service) for f in exact] == [("99214", date(2026, 8, 4))]  # type: ignore[union-attr]
    modifier_25 = next(f for f in result.findings if f.log and f.log.modifiers == ("25",))
    assert (modifier_25.rule, modifier_25.category) == ("date+code", reconcile.MATCHED)
    assert "; modifiers differ (report none, log 25)" in modifier_25.explanation
    posted = next(f for f in result.findings if f.rule == "code+modifiers ±1 day")
    assert posted.report.date_of_service == date(2026, 8, 7) and posted.log.date_of_service == date(
        2026, 8, 6
    )  # type: ignore[union-attr]
    assert posted.category == reconcile.MATCHED

    units = by_code(result, "97110")
    assert units.category == reconcile.DIFFERS and "units differ" in units.explanation
    assert units.difference == work(catalog, "97110")
    half = by_code(result, "20610")
    assert half.category == reconcile.DIFFERS and "50% reduction" in half.explanation
    tc = by_code(result, "71046")
    assert tc.category == reconcile.DIFFERS and "71046-TC row" in tc.explanation
    assert tc.rule == "date+code"
    denied = by_code(result, "99215")
    assert denied.category == reconcile.DENIED and denied.difference == work(catalog, "99215")
    assert "reworked" in denied.explanation
    missing = by_code(result, "93000")
    assert missing.category == reconcile.MISSING and missing.report is None
    assert missing.difference == missing.log.wrvu == work(catalog, "93000")  # type: ignore[union-attr]
    extra = by_code(result, "99212")
    assert extra.category == reconcile.REPORT_ONLY and extra.difference == -work(catalog, "99212")
    odd = by_code(result, "99204")
    assert odd.category == reconcile.DIFFERS and "not explained" in odd.explanation
    assert [units.cause, half.cause, tc.cause, odd.cause] == [
        "units",
        "reduction",
        "other_row",
        "unexplained",
    ]

    assert result.reversals == 1 and not any(f.report and f.report.wrvu < 0 for f in result.findings)
    assert result.report.summary_lines == 1
    logged = sum((e.wrvu for e in db.query(LogEntry).filter_by(user_id=user.id)), Decimal(0))
    assert result.logged == logged
    assert result.difference == sum((t.difference for t in result.by_category), Decimal(0))
    assert result.money == (result.difference * Decimal("55.50")).quantize(Decimal("0.01"))
    counts = {t.category: t.lines for t in result.by_category}
    assert counts == {
        reconcile.MATCHED: 3,
        reconcile.DIFFERS: 5,
        reconcile.DENIED: 1,
        reconcile.MISSING: 1,
        reconcile.REPORT_ONLY: 1,
        reconcile.ATTRIBUTED: 0,  # the report names no clinician
    }
    assert db.query(AuditLog).count() == audit_rows  # a reconciliation writes nothing


def test_patient_data_columns_are_named_and_never_kept(
    db: Session, catalog: Catalog, scenario: Scenario
) -> None:
    user, data, _ = scenario
    result = reconcile.reconcile(db, user, catalog, "synthetic-report.csv", data)
    assert result.report.patient_data_columns == ("Patient Name", "MRN", "DOB", "Account #")
    assert any("patient data" in n and "MRN" in n for n in result.notes)
    dumped = repr(result) + repr(reconcile.result_json(result))
    for value in ("SYNTHETIC PATIENT", "SYN-0", "1950", "ACCT-"):
        assert value not in dumped
    assert result.report.columns["wrvu"] == "wRVUs" and result.report.columns["hcpcs"] == "CPT Code"


def test_xlsx_report_with_aliases_split_modifiers_and_posting_dates(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    a = log(db, user, catalog, "2026-08-03", "20610", "RT")
    b = log(db, user, catalog, "2026-08-04", "71046", "26")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SYNTHETIC Productivity report, Q3 2026"])  # a title and a blank line above the header
    sheet.append([])
    sheet.append(["Posting Date", "Procedure Code", "Mod 1", "Mod 2", "Qty", "Work RVU", "Patient MRN"])
    sheet.append([datetime(2026, 8, 4), 20610, "RT", None, 1.0, float(a.wrvu or 0), "SYN-1"])
    sheet.append([datetime(2026, 8, 4), "71046", "26", "", 1, float(b.wrvu or 0), "SYN-2"])
    buf = io.BytesIO()
    book.save(buf)
    result = reconcile.reconcile(db, user, catalog, "synthetic.xlsx", buf.getvalue())
    assert result.report.dates_are_posting_dates and result.report.columns["modifiers"] == "Mod 1 + Mod 2"
    assert [(f.category, f.rule) for f in result.findings] == [
        (reconcile.MATCHED, "code+modifiers ±1 day"),
        (reconcile.MATCHED, "date+code+modifiers"),
    ]
    assert result.difference == 0 and result.report.patient_data_columns == ("Patient MRN",)
    assert result.report.header_line == 3 and [f.report.line for f in result.findings if f.report] == [4, 5]
    assert any("header is line 3" in n for n in result.notes)


def test_period_limits_both_sides_and_the_rate_can_be_given(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    log(db, user, catalog, "2026-07-31", "99213")
    log(db, user, catalog, "2026-08-10", "99214")
    data = b"DOS,HCPCS,wRVU\n2026-08-10,99214,1.92\n2026-09-01,99213,1.30\n"
    result = reconcile.reconcile(
        db,
        user,
        catalog,
        "r.csv",
        data,
        start=date(2026, 8, 1),
        end=date(2026, 8, 31),
        dollars_per_wrvu=Decimal("40"),
    )
    assert result.outside_period == 1 and len(result.findings) == 1  # July's line is outside the period
    assert result.money == Decimal("0.00") and result.logged == result.credited
    assert result.dollars_per_wrvu == Decimal("40")


def test_csv_and_xlsx_exports_re_add_to_the_difference_without_patient_data(
    db: Session, catalog: Catalog, scenario: Scenario
) -> None:
    user, data, _ = scenario
    result = reconcile.reconcile(db, user, catalog, "synthetic-report.csv", data)
    text = reconcile_export.export_csv(result).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(result.findings)
    assert sum((Decimal(r["difference_wrvu"]) for r in rows), Decimal(0)) == result.difference
    assert {r["category"] for r in rows} == set(reconcile.CATEGORIES) - {reconcile.ATTRIBUTED}
    assert "SYNTHETIC" not in text and "SYN-0" not in text and "ACCT-" not in text
    book = load_workbook(io.BytesIO(reconcile_export.export_xlsx(result)), read_only=True)
    lines = list(book["Lines"].iter_rows(values_only=True))
    summary = {r[0]: r for r in book["Summary"].iter_rows(values_only=True)}
    assert len(lines) == len(result.findings) + 1
    assert Decimal(str(summary["total"][5])) == result.difference
    assert summary[reconcile.MISSING][2] == 1
    book.close()


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b"", 1, "header"),
        (b"Date,CPT\n2026-08-03,99213\n", 1, "header"),
        (b"Date,CPT,wRVU\n", 2, "file"),
        (b"Report run 2026-09-01\n\nDate,CPT,wRVU\n2026-08-03,99213,x\n", 4, "wRVU"),
        (b"Date,CPT,wRVU\n2026-02-30,99213,1.3\n", 2, "Date"),
        (b"Date,CPT,wRVU\n2026-08-03,9921,1.3\n", 2, "CPT"),
        (b"Date,CPT,wRVU\n2026-08-03,99213,lots\n", 2, "wRVU"),
        (b"Date,CPT,wRVU\n2026-08-03,99213,1e999999\n", 2, "wRVU"),
        (b"Date,CPT,wRVU\n2026-08-03,99213,NaN\n", 2, "wRVU"),
        (b"Date,CPT,wRVU,Paid\n2026-08-03,99213,1.3,$$\n", 2, "Paid"),
        (b"Date,CPT,wRVU,Units\n2026-08-03,99213,1.3,1.5\n", 2, "Units"),
        (b"Date,CPT,wRVU\n2026-08-03,99213,\n", 2, "wRVU"),
        (b"Date,CPT,Mods,wRVU\n2026-08-03,99213,ABC,1.3\n", 2, "Mods"),
        (b"Date,CPT,wRVU\n2026-08-03,99213,1.3\n\xff\xfe,x,y\n", 3, "file"),
        (b"PK\x03\x04not a workbook", 0, "file"),
    ],
)
def test_bad_reports_are_refused_with_line_and_column(data: bytes, line: int, column: str) -> None:
    with pytest.raises(ReportRejected) as info:
        parse_report("report.csv", data)
    assert [(e.line, e.column) for e in info.value.errors] == [(line, column)]


def test_per_unit_figure_is_recognised(db: Session, make_user: Callable[..., User], catalog: Catalog) -> None:
    user = make_user()
    log(db, user, catalog, "2026-08-10", "97110", units=3)
    data = f"Date,CPT,Units,wRVU\n2026-08-10,97110,3,{work(catalog, '97110')}\n".encode()
    (finding,) = reconcile.reconcile(db, user, catalog, "r.csv", data).findings
    assert finding.category == reconcile.DIFFERS and "credit of one unit of 3" in finding.explanation


def test_an_error_message_never_quotes_a_patient_data_cell() -> None:
    data = b"Patient,Date,CPT,wRVU\nSYNTHETIC PERSON,not-a-date,99213,1.3\n"
    with pytest.raises(ReportRejected) as info:
        parse_report("r.csv", data)
    assert "SYNTHETIC PERSON" not in str(info.value) and info.value.errors[0].column == "Date"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_parser_never_crashes_on_junk(junk: bytes) -> None:
    try:
        report = parse_report("junk.csv", b"Date,CPT,wRVU\n" + junk)
    except ReportRejected as exc:
        assert exc.errors and all(e.line >= 0 for e in exc.errors)
    else:
        assert report.lines


def _report(
    line: int, day: str, code: str, wrvu: str, mods: tuple[str, ...] = (), units: int = 1
) -> ReportLine:
    return ReportLine(line, date.fromisoformat(day), code, mods, units, Decimal(wrvu))


def _log(id_: int, day: str, code: str, wrvu: str, mods: tuple[str, ...] = (), units: int = 1) -> LogLine:
    return LogLine(id_, date.fromisoformat(day), code, mods, units, "11", "RVU26C", Decimal(wrvu), None)


def test_duplicates_pair_by_units_and_wrvu_and_the_strictest_rule_wins() -> None:
    report = [
        _report(2, "2026-08-03", "97110", "0.90", units=2),
        _report(3, "2026-08-03", "97110", "0.45"),
        _report(4, "2026-08-04", "20610", "0.77", ("RT",)),
    ]
    logs = [
        _log(1, "2026-08-03", "97110", "0.45"),
        _log(2, "2026-08-03", "97110", "0.90", units=2),
        _log(3, "2026-08-03", "20610", "0.77", ("LT",)),  # a day early and another side
        _log(4, "2026-08-05", "20610", "0.77", ("RT",)),  # a day late, same side: preferred
    ]
    pairs, lone_reports, lone_logs = reconcile.match(report, logs)
    assert [(r.line, g.id, rule) for r, g, rule in pairs] == [
        (2, 2, "date+code+modifiers"),
        (3, 1, "date+code+modifiers"),
        (4, 4, "code+modifiers ±1 day"),
    ]
    assert lone_reports == [] and [g.id for g in lone_logs] == [3]


def test_a_reversal_cancels_only_its_own_charge() -> None:
    charge = _report(2, "2026-08-03", "99213", "1.30")
    again = _report(3, "2026-08-03", "99213", "1.30")
    reversal = _report(4, "2026-08-03", "99213", "-1.30")
    orphan = _report(5, "2026-08-04", "99214", "-1.92")
    kept, pairs = reconcile.net_reversals([charge, again, reversal, orphan])
    assert pairs == 1 and kept == [again, orphan]


lines_strategy = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from(["99213", "99214", "20610"]),
        st.sampled_from([(), ("25",), ("RT",)]),
        st.integers(1, 3),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(report=lines_strategy, logs=lines_strategy)
def test_every_line_ends_up_exactly_once(report: list[Any], logs: list[Any]) -> None:
    day = date(2026, 8, 3)
    reports = [
        ReportLine(i + 2, day + timedelta(days=d), c, m, u, Decimal("1"))
        for i, (d, c, m, u) in enumerate(report)
    ]
    log_lines = [
        LogLine(i + 1, day + timedelta(days=d), c, m, u, "11", None, Decimal("1"), None)
        for i, (d, c, m, u) in enumerate(logs)
    ]
    pairs, lone_reports, lone_logs = reconcile.match(reports, log_lines)
    assert sorted(r.line for r in [*(p[0] for p in pairs), *lone_reports]) == [r.line for r in reports]
    assert sorted(g.id for g in [*(p[1] for p in pairs), *lone_logs]) == [g.id for g in log_lines]
    for r, g, rule in pairs:
        assert r.hcpcs == g.hcpcs and abs((r.date_of_service - g.date_of_service).days) <= 1
        assert (rule in ("date+code+modifiers", "code+modifiers ±1 day")) == (r.modifiers == g.modifiers)


ATTRIBUTION = (
    b"Date of Service,CPT,wRVU,Rendering Provider\n"
    b"2026-08-03,99213,1.30,SYNTHETIC DR A\n"
    b"2026-08-04,99214,1.92,SYNTHETIC DR B\n"
    b"2026-08-05,99215,2.80,SYNTHETIC DR B\n"
)


def test_a_line_credited_to_another_clinician_is_wrong_attribution(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    log(db, user, catalog, "2026-08-03", "99213")
    mine = log(db, user, catalog, "2026-08-04", "99214")
    result = reconcile.reconcile(db, user, catalog, "group.csv", ATTRIBUTION, provider="synthetic  dr a")
    assert [(f.category, f.log and f.log.hcpcs) for f in result.findings] == [
        (reconcile.MATCHED, "99213"),
        (reconcile.ATTRIBUTED, "99214"),
    ]
    wrong = result.findings[1]
    assert wrong.credited == 0 and wrong.difference == mine.wrvu and "SYNTHETIC DR B" in wrong.explanation
    assert result.credited == Decimal("1.30")  # the other clinician's 99215 is not yours
    assert result.report.providers == ("SYNTHETIC DR A", "SYNTHETIC DR B")
    everyone = reconcile.reconcile(db, user, catalog, "group.csv", ATTRIBUTION)
    assert [f.category for f in everyone.findings] == [
        reconcile.MATCHED,
        reconcile.MATCHED,
        reconcile.REPORT_ONLY,
    ]
    assert any("lists 2 clinicians" in n for n in everyone.notes)
    with pytest.raises(ValueError, match="no provider 'SYNTHETIC DR C'"):
        reconcile.reconcile(db, user, catalog, "group.csv", ATTRIBUTION, provider="SYNTHETIC DR C")
    with pytest.raises(ValueError, match="no provider column"):
        reconcile.reconcile(
            db, user, catalog, "r.csv", b"Date,CPT,wRVU\n2026-08-03,99213,1.3\n", provider="X"
        )


def test_stale_year_is_computed_per_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    """Two patients' injections on one day are two encounters: neither is ranked second, so a report
    crediting the older release's full value to the second one is a stale year, not a reduction."""
    from openrvu.tracker.reconcile_explain import Explainer

    user = make_user()
    code = "20610"
    old = next(r.name for r in catalog.reference.releases() if r.name.startswith("RVU25"))
    old_row = catalog.reference.rvu(old, code)
    assert old_row is not None and old_row.work_rvu != work(catalog, code)
    new_release = next(r.name for r in catalog.reference.releases() if r.name.startswith("RVU26"))
    day = date(2026, 8, 3)
    lines = [
        LogLine(i, day, code, (), 1, "11", new_release, work(catalog, code), None, enc)
        for i, enc in ((1, "synthetic-a"), (2, "synthetic-b"))
    ]
    report = ReportLine(2, day, code, (), 1, old_row.work_rvu)
    reason = Explainer(catalog, user, lines).explain(report, lines[1])
    assert f"stale fee-schedule year: that is {code}'s credit in release {old}" in reason.text
    assert (reason.cause, reason.release) == ("stale_release", old)
