"""A reconciliation as CSV (one row per finding) or XLSX (the same rows, plus a summary sheet).

Rows hold what the comparison used (date, code, modifiers, units, wRVU, paid, status, the log line's
id and release): never a column of the report that could hold patient data, which was never read.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from openrvu.tracker.reconcile import Finding, Reconciliation

COLUMNS = (
    "category",
    "rule",
    "cause",
    "report_release",
    "explanation",
    "difference_wrvu",
    "report_line",
    "report_date",
    "report_hcpcs",
    "report_modifiers",
    "report_units",
    "credited_wrvu",
    "paid",
    "status",
    "provider",
    "log_id",
    "log_date",
    "log_hcpcs",
    "log_modifiers",
    "log_units",
    "log_release",
    "logged_wrvu",
)
SUMMARY_COLUMNS = ("category", "label", "lines", "logged_wrvu", "credited_wrvu", "difference_wrvu", "money")


def _row(f: Finding) -> list[object]:
    r, g = f.report, f.log
    report = (
        [
            r.line,
            r.date_of_service,
            r.hcpcs,
            " ".join(r.modifiers),
            r.units,
            r.wrvu,
            r.paid,
            r.status or "",
            r.provider or "",
        ]
        if r
        else [""] * 9
    )
    log = (
        [g.id, g.date_of_service, g.hcpcs, " ".join(g.modifiers), g.units, g.release or "", g.wrvu]
        if g
        else [""] * 7
    )
    causes = [f.cause or "", f.report_release or ""]
    return [f.category, f.rule or "", *causes, f.explanation, f.difference, *report, *log]


def export_csv(result: Reconciliation) -> bytes:
    """One row per finding (UTF-8, header line); figures as their exact decimals."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in result.findings:
        writer.writerow(["" if v is None else v for v in _row(f)])
    return buf.getvalue().encode("utf-8")


def export_xlsx(result: Reconciliation) -> bytes:
    """A workbook: ``Lines`` (one row per finding, numbers and dates typed) and ``Summary`` (totals)."""
    book = Workbook(write_only=True)
    lines = book.create_sheet("Lines")
    lines.append(list(COLUMNS))
    for f in result.findings:
        lines.append([None if v == "" else v for v in _row(f)])
    summary = book.create_sheet("Summary")
    summary.append(["period", result.start, result.end])
    summary.append(["report", result.report.filename])
    summary.append(list(SUMMARY_COLUMNS))
    for t in result.by_category:
        summary.append([t.category, t.label, t.lines, t.logged, t.credited, t.difference, t.money])
    total = (result.logged, result.credited, result.difference, result.money)
    summary.append(["total", "all lines", len(result.findings), *total])
    for note in result.notes:
        summary.append(["note", note])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
