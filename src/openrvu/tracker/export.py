"""Export the user's lines as CSV or XLSX, and a PDF report with the dashboard's charts.

Exports hold what the log holds (date, code, modifiers, units, place of service, priced figures):
no patient data. Figures are the stored per-line values, so an export re-adds to the dashboard.

The ``encounter`` column holds each line's opaque token, so importing the file again groups the lines
as the log does (the importer gives each group a fresh token). Lines logged before encounters existed
have none and are priced as one group per date: they are written as ``whole-day``, which the importer
groups per date the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from fpdf import FPDF
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from openrvu.tracker.dashboard import Dashboard, dashboard
from openrvu.tracker.models import WRVU_SCALE, LogEntry, User

COLUMNS = (
    "id",
    "date_of_service",
    "hcpcs",
    "modifiers",
    "units",
    "pos",
    "encounter",
    "release",
    "wrvu",
    "allowed",
    "note",
    "source",
    "created_at",
    "updated_at",
)
#: The encounter written for lines logged before encounters (all of a date are one group).
WHOLE_DAY = "whole-day"
CPT_NOTICE = (
    "CPT is a registered trademark of the American Medical Association. CPT codes only; "
    "payment figures are estimates from the CMS Physician Fee Schedule release named on each line."
)


def _rows(session: Session, user: User, start: date | None, end: date | None) -> Iterator[list[object]]:
    """One row per line in ``COLUMNS`` order: id, units and date typed (csv writes them as their text,
    XLSX keeps them as numbers and dates), figures as two-decimal text so CSV and XLSX round alike."""
    # plain column tuples, not ORM objects: an export of 100,000 lines stays a few seconds
    cols = (
        LogEntry.id,
        LogEntry.date_of_service,
        LogEntry.hcpcs,
        LogEntry.modifiers,
        LogEntry.units,
        LogEntry.pos,
        LogEntry.encounter,
        LogEntry.release,
        LogEntry.wrvu_e4,
        LogEntry.allowed_cents,
        LogEntry.pricing_note,
        LogEntry.source,
        LogEntry.created_at,
        LogEntry.updated_at,
    )
    stmt = select(*cols).where(LogEntry.user_id == user.id)
    if start is not None:
        stmt = stmt.where(LogEntry.date_of_service >= start)
    if end is not None:
        stmt = stmt.where(LogEntry.date_of_service <= end)
    stmt = stmt.order_by(LogEntry.date_of_service, LogEntry.id)
    for (
        eid,
        day,
        code,
        mods,
        units,
        pos,
        encounter,
        release,
        wrvu_e4,
        cents,
        note,
        source,
        created,
        updated,
    ) in session.execute(stmt.execution_options(yield_per=5000)):
        yield [
            eid,
            day,
            code,
            mods.replace(",", " "),
            units,
            pos,
            encounter or WHOLE_DAY,
            release or "",
            "" if wrvu_e4 is None else f"{Decimal(wrvu_e4) / WRVU_SCALE:.2f}",
            "" if cents is None else f"{Decimal(cents) / 100:.2f}",
            note or "",
            source,
            created.isoformat(timespec="seconds"),
            updated.isoformat(timespec="seconds"),
        ]


def export_csv(session: Session, user: User, *, start: date | None = None, end: date | None = None) -> bytes:
    """The user's lines as CSV (UTF-8, header line, money and wRVU with two decimals)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(session, user, start, end))
    return buf.getvalue().encode("utf-8")


def export_xlsx(session: Session, user: User, *, start: date | None = None, end: date | None = None) -> bytes:
    """The user's lines as an XLSX workbook (numbers as numbers, dates as dates)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Log")
    sheet.append(list(COLUMNS))
    for row in _rows(session, user, start, end):
        wrvu, allowed = row[8], row[9]
        sheet.append(
            [
                *row[:8],
                Decimal(str(wrvu)) if wrvu else None,
                Decimal(str(allowed)) if allowed else None,
                *row[10:],
            ]
        )
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def export_pdf(
    session: Session,
    user: User,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> bytes:
    """A PDF report: totals, a wRVU bar chart per period, goal, top codes and E/M level mix."""
    board = dashboard(session, user, period=period, start=start, end=end, today=today)
    return render_pdf(user, board)


def render_pdf(user: User, board: Dashboard) -> bytes:
    """Draw the report of a dashboard with fpdf2 (bar charts from rectangles: no image libraries)."""
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "openrvu productivity report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        f"{user.email}  |  {board.start.isoformat()} to {board.end.isoformat()}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    t = board.totals
    lines = [
        f"wRVU: {t.wrvu:,.2f}    Estimated CMS payment: ${t.allowed:,.2f}    "
        f"Lines: {t.lines}    Units: {t.units}",
    ]
    if board.compensation is not None:
        lines.append(f"Compensation at the profile's rate: ${board.compensation:,.2f}")
    if board.goal is not None:
        g = board.goal
        lines.append(
            f"Goal {g.year}: {g.actual_to_date:,.2f} of {g.target:,.2f} wRVU ({g.percent_of_target}%), "
            f"expected by now {g.expected_to_date:,.2f}, projected year end {g.projected_year_end:,.2f}"
        )
    lines += list(board.notes)
    for text in lines:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _bar_chart(pdf, f"wRVU per {board.period}", [(b.label, b.figures.wrvu) for b in board.series])
    _bar_chart(
        pdf,
        f"Estimated CMS payment per {board.period} ($)",
        [(b.label, b.figures.allowed) for b in board.series],
    )
    _table(
        pdf,
        "Top codes",
        ("Code", "Lines", "Units", "wRVU", "Payment ($)", "Share of wRVU"),
        [
            (
                c.hcpcs,
                str(c.figures.lines),
                str(c.figures.units),
                f"{c.figures.wrvu:,.2f}",
                f"{c.figures.allowed:,.2f}",
                f"{c.share_of_wrvu}%",
            )
            for c in board.top_codes
        ],
    )
    for family in board.em_mix:
        _table(
            pdf,
            f"E/M level mix: {family.name} ({family.total})",
            ("Code", "Level", "Count", "Share"),
            [(lv.hcpcs, str(lv.level), str(lv.count), f"{lv.share}%") for lv in family.levels],
        )
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, CPT_NOTICE, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _bar_chart(pdf: FPDF, title: str, bars: list[tuple[str, Decimal]]) -> None:
    if not bars:
        return
    width, height = pdf.w - pdf.l_margin - pdf.r_margin, 45.0
    if pdf.get_y() + height + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    peak = max((v for _, v in bars), default=Decimal(0)) or Decimal(1)
    slot = width / len(bars)
    pdf.set_draw_color(160, 160, 160)
    pdf.line(pdf.l_margin, top + height, pdf.l_margin + width, top + height)
    pdf.set_fill_color(37, 99, 235)
    pdf.set_font("Helvetica", "", 6)
    label_every = max(1, len(bars) // 16)
    for i, (label, value) in enumerate(bars):
        bar = float(value / peak) * height
        x = pdf.l_margin + i * slot + slot * 0.15
        if bar > 0:
            pdf.rect(x, top + height - bar, slot * 0.7, bar, style="F")
        if i % label_every == 0:
            pdf.set_xy(pdf.l_margin + i * slot, top + height + 1)
            pdf.cell(slot * label_every, 3, label, align="L")
    pdf.set_xy(pdf.l_margin, top - 1)
    pdf.cell(0, 3, f"max {peak:,.2f}", align="R")
    pdf.set_xy(pdf.l_margin, top + height + 6)


def _table(pdf: FPDF, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        return
    if pdf.get_y() + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    col = (pdf.w - pdf.l_margin - pdf.r_margin) / len(header)
    pdf.set_font("Helvetica", "B", 9)
    for h in header:
        pdf.cell(col, 6, h, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for row in rows:
        for value in row:
            pdf.cell(col, 5, value)
        pdf.ln()
