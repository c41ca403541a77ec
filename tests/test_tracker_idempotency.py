"""Idempotency keys stay consumed after their line is deleted: a late resend stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from openrvu.tracker import entries, export, shortcuts, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import AlreadyDeleted
from openrvu.tracker.models import ConsumedKey, LogEntry, User
from openrvu.tracker.shortcuts import TemplateLine

DAY = date(2025, 11, 3)


def line(hcpcs: str = "99214") -> LineSpec:
    return LineSpec(DAY, hcpcs, (), 1, "11")


def test_security_resend_after_delete_is_a_duplicate_and_stores_nothing(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    first = entries.create_entry(db, user, line(), catalog, idempotency_key="outbox-1")
    entries.delete_entry(db, user, first.id, catalog)
    with pytest.raises(AlreadyDeleted) as gone:
        entries.create_entry(db, user, line(), catalog, idempotency_key="outbox-1")
    assert gone.value.entry_id == first.id
    assert str(gone.value) == "already received; the line was deleted"
    assert gone.value.line["hcpcs"] == "99214" and gone.value.line["date_of_service"] == DAY.isoformat()
    assert db.query(LogEntry).count() == 0
    assert totals.check_user(db, user.id)
    # the answer stays the same on every later resend, and a new key still logs a line
    with pytest.raises(AlreadyDeleted):
        entries.create_entry(db, user, line(), catalog, idempotency_key="outbox-1")
    entries.create_entry(db, user, line(), catalog, idempotency_key="outbox-2")
    assert db.query(LogEntry).count() == 1


def test_consumed_keys_are_per_user_and_only_for_keyed_lines(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user, other = make_user(), make_user()
    keyed = entries.create_entry(db, user, line(), catalog, idempotency_key="tap-1")
    unkeyed = entries.create_entry(db, user, line("99213"), catalog)
    entries.delete_entry(db, user, keyed.id, catalog)
    entries.delete_entry(db, user, unkeyed.id, catalog)
    assert [(c.user_id, c.idempotency_key, c.entry_id) for c in db.query(ConsumedKey)] == [
        (user.id, "tap-1", keyed.id)
    ]
    # another clinician's key of the same text is theirs: stored, not a duplicate
    mine = entries.create_entry(db, other, line(), catalog, idempotency_key="tap-1")
    assert mine.user_id == other.id and db.query(LogEntry).count() == 1


def test_template_retry_after_a_line_was_deleted_does_not_log_it_again(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    tpl = shortcuts.create_template(
        db, user, "Knee injection visit", [TemplateLine("99213", "25"), TemplateLine("20610", "RT")], catalog
    )
    visit, injection = shortcuts.log_template(db, user, tpl.id, DAY, catalog, idempotency_key="t1")
    entries.delete_entry(db, user, injection.id, catalog)
    again = shortcuts.log_template(db, user, tpl.id, DAY, catalog, idempotency_key="t1")
    assert [e.id for e in again] == [visit.id]
    assert [e.hcpcs for e in db.query(LogEntry)] == ["99213"]


def test_deleting_the_account_drops_its_consumed_keys(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    entry = entries.create_entry(db, user, line(), catalog, idempotency_key="k")
    entries.delete_entry(db, user, entry.id, catalog)
    db.delete(user)
    db.commit()
    assert db.query(ConsumedKey).count() == 0


def test_export_carries_no_idempotency_keys(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    kept = entries.create_entry(db, user, line(), catalog, idempotency_key="secret-key-1")
    gone = entries.create_entry(db, user, line("99213"), catalog, idempotency_key="secret-key-2")
    entries.delete_entry(db, user, gone.id, catalog)
    csv_text = export.export_csv(db, user).decode("utf-8-sig")
    assert "99214" in csv_text and kept.hcpcs in csv_text
    assert "secret-key" not in csv_text and "idempotency" not in csv_text.lower()
