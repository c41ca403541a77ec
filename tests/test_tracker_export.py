"""Exports: CSV and XLSX re-add to the dashboard; the PDF report is a real PDF with the figures."""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from openrvu.tracker import dashboard, entries, export, importer
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.models import LogEntry, User

LINES = [
    (date(2025, 10, 6), "99213", ("25",)),
    (date(2025, 10, 6), "20610", ("RT",)),
    (date(2025, 11, 3), "99214", ()),
]


def _logged(db: Session, make_user: Callable[..., User], catalog: Catalog) -> User:
    user = make_user(zip_code="94110", annual_wrvu_goal=Decimal("4000"))
    for day, code, mods in LINES:
        entries.create_entry(db, user, LineSpec(day, code, mods, 1, "11"), catalog)
    return user


def test_csv_export_holds_every_line_and_re_adds_to_the_dashboard(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = _logged(db, make_user, catalog)
    make_user()  # someone else's lines never appear
    rows = list(csv.DictReader(io.StringIO(export.export_csv(db, user).decode("utf-8"))))
    assert [(r["date_of_service"], r["hcpcs"], r["modifiers"]) for r in rows] == [
        ("2025-10-06", "99213", "25"),
        ("2025-10-06", "20610", "RT"),
        ("2025-11-03", "99214", ""),
    ]
    board = dashboard.dashboard(db, user, period="year", start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert sum(Decimal(r["wrvu"]) for r in rows) == board.totals.wrvu
    assert sum(Decimal(r["allowed"]) for r in rows) == board.totals.allowed
    october = export.export_csv(db, user, start=date(2025, 10, 1), end=date(2025, 10, 31)).decode()
    assert october.count("\n") == 3  # header + 2 lines


def test_xlsx_export_has_typed_cells(db: Session, make_user: Callable[..., User], catalog: Catalog) -> None:
    user = _logged(db, make_user, catalog)
    book = load_workbook(io.BytesIO(export.export_xlsx(db, user)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0] == export.COLUMNS
    assert len(rows) == 4
    assert rows[1][1].date() == date(2025, 10, 6)  # type: ignore[union-attr]
    assert rows[1][2] == "99213" and rows[1][8] == 1.3
    assert rows[1][6] and rows[1][6] != rows[2][6]  # the encounter tokens: two patients that day


def test_export_then_import_keeps_the_encounters_and_the_figures(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    source = make_user(zip_code="94110")
    day = date(2025, 10, 6)
    made = [
        entries.create_entry(db, source, LineSpec(day, "20610", (), 1, "11"), catalog),
        entries.create_entry(
            db, source, LineSpec(day, "20610", ("59",), 1, "11"), catalog, same_patient=True
        ),
        entries.create_entry(db, source, LineSpec(day, "20610", (), 1, "11"), catalog),  # another patient
    ]
    # two lines logged before encounters existed, on another date: one whole-day group
    legacy_day = date(2025, 10, 7)
    for mods in ("", "59"):
        db.add(
            LogEntry(
                user_id=source.id,
                date_of_service=legacy_day,
                hcpcs="20610",
                modifiers=mods,
                units=1,
                pos="11",
            )
        )
    db.commit()
    entries.reprice_all(db, source, catalog)
    for kind, data in (("csv", export.export_csv(db, source)), ("xlsx", export.export_xlsx(db, source))):
        target = make_user(zip_code="94110")
        added = importer.commit_import(db, target, f"log.{kind}", data, catalog, today=date(2026, 1, 15))
        before = entries.list_entries(db, source)[::-1]
        assert [(e.date_of_service, e.hcpcs, e.modifier_list, e.wrvu, e.allowed) for e in added] == [
            (e.date_of_service, e.hcpcs, e.modifier_list, e.wrvu, e.allowed) for e in before
        ]
        assert _partition(added) == _partition(before)
        assert not {e.encounter for e in added} & {e.encounter for e in before}  # fresh tokens
        assert all(e.encounter for e in added)
    assert made[1].encounter == made[0].encounter


def _partition(lines: list[LogEntry]) -> list[list[int]]:
    """The encounter groups of some lines as positions, so two logs' groupings compare."""
    where = {e.id: i for i, e in enumerate(lines)}
    return sorted(sorted(where[e.id] for e in group) for group in entries.encounter_groups(lines))


def test_pdf_report_is_a_pdf_with_charts_and_totals(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = _logged(db, make_user, catalog)
    pdf = export.export_pdf(db, user, period="month", start=date(2025, 10, 1), end=date(2025, 11, 30))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    board = dashboard.dashboard(db, user, period="month", start=date(2025, 10, 1), end=date(2025, 11, 30))
    text = pdf_text(pdf)
    assert f"wRVU: {board.totals.wrvu:,.2f}" in text
    assert "2025-10" in text and "99213" in text and "Top codes" in text
    assert " re f" in text or " re\nf" in text or "re f" in text  # filled rectangles: the bars


def pdf_text(pdf: bytes) -> str:
    """The content streams of a PDF, inflated (fpdf2 writes core-font text as literal strings)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(match.group(1).decode("latin-1"))
    return "\n".join(out)
