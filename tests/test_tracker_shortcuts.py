"""Favourites, recent codes and templates: owner-only, validated, idempotent when logged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from openrvu.tracker import entries, shortcuts
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import FormErrors, InvalidInput, NotFound
from openrvu.tracker.models import LogEntry, User
from openrvu.tracker.shortcuts import TemplateLine


def test_favourites_pin_order_and_unpin(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    a = shortcuts.add_favourite(db, user, "99213", catalog=catalog)
    b = shortcuts.add_favourite(db, user, "20610", "RT", catalog=catalog)
    c = shortcuts.add_favourite(db, user, "g0320", catalog=catalog)
    assert shortcuts.add_favourite(db, user, "99213", catalog=catalog).id == a.id  # pinning twice: one pin
    assert [f.hcpcs for f in shortcuts.list_favourites(db, user)] == ["99213", "20610", "G0320"]
    assert [f.id for f in shortcuts.reorder_favourites(db, user, [c.id, a.id, b.id])] == [c.id, a.id, b.id]
    with pytest.raises(InvalidInput):
        shortcuts.reorder_favourites(db, user, [c.id, a.id])
    other = make_user()
    with pytest.raises(NotFound):
        shortcuts.remove_favourite(db, other, a.id)
    shortcuts.remove_favourite(db, user, a.id)
    assert [f.hcpcs for f in shortcuts.list_favourites(db, user)] == ["G0320", "20610"]
    with pytest.raises(InvalidInput):
        shortcuts.add_favourite(db, user, "99999", catalog=catalog)


def test_recent_codes_newest_first_with_counts(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    for day, code in [
        (date(2025, 11, 1), "99213"),
        (date(2025, 11, 2), "99214"),
        (date(2025, 11, 3), "99213"),
    ]:
        entries.create_entry(db, user, LineSpec(day, code, (), 1, "11"), catalog)
    recent = shortcuts.recent_codes(db, user)
    assert [(r.hcpcs, r.count, r.last_used) for r in recent] == [
        ("99213", 2, date(2025, 11, 3)),
        ("99214", 1, date(2025, 11, 2)),
    ]
    assert shortcuts.recent_codes(db, make_user()) == []


def test_template_saved_and_logged_once_per_key(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    tpl = shortcuts.create_template(
        db,
        user,
        "Knee injection visit",
        [TemplateLine("99213", "25"), TemplateLine("20610", "RT", 1)],
        catalog,
    )
    assert [(i.hcpcs, i.modifiers) for i in tpl.items] == [("99213", "25"), ("20610", "RT")]
    made = shortcuts.log_template(db, user, tpl.id, date(2025, 11, 3), catalog, idempotency_key="t1")
    again = shortcuts.log_template(db, user, tpl.id, date(2025, 11, 3), catalog, idempotency_key="t1")
    assert [e.id for e in made] == [e.id for e in again]
    assert db.query(LogEntry).count() == 2
    with pytest.raises(NotFound):
        shortcuts.log_template(db, make_user(), tpl.id, date(2025, 11, 3), catalog)


def test_template_errors_name_the_line_and_field(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    shortcuts.create_template(db, user, "Visit", [TemplateLine("99213")], catalog)
    with pytest.raises(FormErrors) as info:
        shortcuts.create_template(
            db, user, "Visit", [TemplateLine("99213"), TemplateLine("9921"), TemplateLine("99999")], catalog
        )
    assert set(info.value.errors) == {"name", "items.1.hcpcs", "items.2.hcpcs"}
