"""CSV/XLSX import: preview with per-line errors, all-or-nothing commit, no double import."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput
from openrvu.tracker import entries, importer, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import ImportRejected, NotFound
from openrvu.tracker.models import AuditLog, LogEntry, User

TODAY = date(2026, 1, 15)
GOOD = (
    b"Date,CPT,Modifiers,Units,POS\n"
    b"2025-11-03,99213,,1,11\n11/04/2025,20610,RT,1,\n2025-11-05,99214,25,1,22\n"
)


def test_preview_then_commit_good_csv(db: Session, make_user: Callable[..., User], catalog: Catalog) -> None:
    user = make_user(default_pos="11")
    preview = importer.preview_import(db, user, "lines.csv", GOOD, catalog, today=TODAY)
    assert preview.ok and len(preview.rows) == 3 and preview.errors == ()
    assert [r.line for r in preview.rows] == [2, 3, 4]
    assert db.query(LogEntry).count() == 0  # a preview writes nothing
    added = importer.commit_import(db, user, "lines.csv", GOOD, catalog, today=TODAY)
    assert [(e.date_of_service, e.hcpcs, e.modifier_list, e.pos) for e in added] == [
        (date(2025, 11, 3), "99213", [], "11"),
        (date(2025, 11, 4), "20610", ["RT"], "11"),  # blank POS: the profile's default
        (date(2025, 11, 5), "99214", ["25"], "22"),
    ]
    assert all(e.source == "import" and e.wrvu is not None for e in added)
    assert totals.check_user(db, user.id)
    trail = entries.entry_history(db, user, added[1].id)
    assert [(r.action, r.after["hcpcs"], r.after["source"]) for r in trail if r.after] == [
        ("create", "20610", "import")
    ]
    with pytest.raises(NotFound):
        entries.entry_history(db, make_user(), added[1].id)


def test_security_import_all_or_nothing_with_per_line_errors(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    data = (
        GOOD
        + b"2025-11-06,99999,,1,11\n2025-11-07,99213,ZZ,1,11\n"
        + b"2025-13-01,99213,,0,11\n2025-11-08,99213,,1,11\n"
    )
    preview = importer.preview_import(db, user, "lines.csv", data, catalog, today=TODAY)
    assert not preview.ok
    found = {(e.line, e.column) for e in preview.errors}
    assert found == {(5, "hcpcs"), (6, "modifiers"), (7, "date"), (7, "units")}
    assert next(e for e in preview.errors if e.line == 5).code == "unknown_code"
    assert "99999" in str(next(e for e in preview.errors if e.line == 5))
    with pytest.raises(ImportRejected) as info:
        importer.commit_import(db, user, "lines.csv", data, catalog, today=TODAY)
    assert len(info.value.errors) == 4
    assert db.query(LogEntry).count() == 0  # the 4 good lines were not written either


def test_committing_the_same_file_twice_adds_nothing_the_second_time(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    assert len(importer.commit_import(db, user, "a.csv", GOOD, catalog, today=TODAY)) == 3
    assert importer.preview_import(db, user, "a.csv", GOOD, catalog, today=TODAY).already_imported == 3
    assert importer.commit_import(db, user, "a.csv", GOOD, catalog, today=TODAY) == []
    assert db.query(LogEntry).count() == 3


def test_xlsx_with_excel_dates_and_split_modifier_columns(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Service Date", "HCPCS", "Modifier 1", "Modifier 2", "Qty", "Place of Service"])
    sheet.append([datetime(2025, 11, 3), "27447", "80", None, 1, "22"])
    sheet.append([datetime(2025, 11, 3), "99213", "25", "95", 1.0, 2])
    buf = io.BytesIO()
    book.save(buf)
    added = importer.commit_import(db, make_user(), "log.xlsx", buf.getvalue(), catalog, today=TODAY)
    assert [(e.hcpcs, e.modifier_list, e.pos) for e in added] == [
        ("27447", ["80"], "22"),
        ("99213", ["25", "95"], "02"),
    ]


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b"", 1, "header"),
        (b"when,what\n2025-01-01,99213\n", 1, "header"),
        (b"date,code\n", 2, "file"),
        (b"date,code\n2025-11-03,99213\n\xff\xfe,bad\n", 3, "file"),
        (b"PK\x03\x04not really a zip", 0, "file"),
    ],
)
def test_broken_files_are_rejected_with_where_and_why(
    db: Session, make_user: Callable[..., User], catalog: Catalog, data: bytes, line: int, column: str
) -> None:
    with pytest.raises(ImportRejected) as info:
        importer.commit_import(db, make_user(), "x.csv", data, catalog, today=TODAY)
    assert [(e.line, e.column) for e in info.value.errors] == [(line, column)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_preview_never_crashes_on_junk(
    db: Session, make_user: Callable[..., User], catalog: Catalog, junk: bytes
) -> None:
    user = db.query(User).first() or make_user()
    try:
        preview = importer.preview_import(
            db, user, "junk.csv", b"date,hcpcs,units\n" + junk, catalog, today=TODAY
        )
    except ImportRejected as exc:
        assert exc.errors and all(e.line >= 0 for e in exc.errors)
    else:
        assert all(r.errors or r.spec is not None for r in preview.rows)


def test_an_encounter_column_groups_lines_under_fresh_tokens(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    data = (
        b"date,code,modifiers,Encounter_ID\n"
        b"2025-11-03,20610,,ENC-1001\n2025-11-03,20610,59,ENC-1001\n"  # one patient: ranked
        b"2025-11-03,20610,,ENC-1002\n"  # another patient that day
        b"2025-11-04,20610,,ENC-1001\n"  # same value, another date: another encounter
        b"2025-11-03,20610,,\n"  # blank: alone
    )
    added = importer.commit_import(db, user, "visits.csv", data, catalog, today=TODAY)
    tokens = [e.encounter for e in added]
    assert tokens[0] == tokens[1] and len(set(tokens)) == 4
    assert all(t and "1001" not in t and "1002" not in t and "ENC" not in t for t in tokens)
    full = catalog.pricing.price([LineInput("20610")], on=date(2025, 11, 3), locality="94110").lines[0].wrvu
    assert added[1].wrvu is not None and full is not None and added[1].wrvu < full
    assert [e.wrvu for e in (added[0], *added[2:])] == [full] * 4
    # the file's values are not kept anywhere: not on the lines, not in the audit trail
    kept = " ".join(str(r.after) + str(r.before) for r in db.query(AuditLog).all())
    assert "ENC-100" not in kept


def test_without_an_encounter_column_each_line_is_alone(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    # two knee injections on one date in a file that does not say whether they were one patient:
    # each is credited in full (earlier versions ranked the whole date as one encounter)
    user = make_user(zip_code="94110")
    data = b"date,hcpcs,modifiers\n2025-11-03,20610,\n2025-11-03,20610,59\n"
    added = importer.commit_import(db, user, "plain.csv", data, catalog, today=TODAY)
    assert added[0].encounter != added[1].encounter
    assert added[0].wrvu == added[1].wrvu is not None
    # and they never join a line already logged that day
    logged = entries.create_entry(db, user, LineSpec(date(2025, 11, 5), "20610", (), 1, "11"), catalog)
    more = importer.commit_import(
        db, user, "more.csv", b"date,hcpcs\n2025-11-05,20610\n", catalog, today=TODAY
    )
    db.refresh(logged)
    assert more[0].encounter != logged.encounter and more[0].wrvu == logged.wrvu


def test_xlsx_numeric_encounter_cells_group_like_text(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "hcpcs", "visit"])
    sheet.append([datetime(2025, 11, 3), "20610", 12])
    sheet.append([datetime(2025, 11, 3), "20611", 12.0])
    sheet.append([datetime(2025, 11, 3), "20610", 13])
    buf = io.BytesIO()
    book.save(buf)
    added = importer.commit_import(db, make_user(), "v.xlsx", buf.getvalue(), catalog, today=TODAY)
    assert added[0].encounter == added[1].encounter != added[2].encounter
