"""Groups: admin-managed membership, a manager's group dashboard, clinicians see only their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from openrvu.tracker import dashboard, entries, groups
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import Forbidden, NotFound
from openrvu.tracker.models import User

START, END = date(2025, 10, 1), date(2025, 12, 31)


def test_manager_sees_members_totals_clinician_sees_nothing(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    admin = make_user()
    manager = make_user(role="manager")
    doc_a = make_user(annual_wrvu_goal=Decimal("5000"), fte=Decimal("1.0"))
    doc_b = make_user()
    outsider = make_user()
    group = groups.create_group(db, admin, "Ortho West")
    groups.add_member(db, admin, group.id, manager.id, "manager")
    groups.add_member(db, admin, group.id, doc_a.id, "clinician")
    groups.add_member(db, admin, group.id, doc_b.id, "clinician")
    for user, code in [(doc_a, "99213"), (doc_a, "99214"), (doc_b, "27447"), (outsider, "99215")]:
        entries.create_entry(db, user, LineSpec(date(2025, 11, 3), code, (), 1, "22"), catalog)

    board = groups.group_dashboard(db, manager, group.id, period="month", start=START, end=END)
    by_user = {m.member.user_id: m for m in board.members}
    assert set(by_user) == {manager.id, doc_a.id, doc_b.id}
    for doc in (doc_a, doc_b):
        own = dashboard.dashboard(db, doc, period="month", start=START, end=END)
        assert by_user[doc.id].figures == own.totals
    assert board.totals.lines == 3  # the outsider's line is not in the group
    assert sum((b.figures.wrvu for b in board.series), Decimal(0)) == board.totals.wrvu
    expected_target = (Decimal(5000) * 92 / 365).quantize(Decimal("0.01"))
    assert by_user[doc_a.id].target == expected_target and by_user[doc_b.id].target is None

    # a clinician of the group, or someone outside it, cannot see the group at all
    for user in (doc_a, outsider):
        with pytest.raises(NotFound):
            groups.group_dashboard(db, user, group.id)
        with pytest.raises(NotFound):
            groups.members(db, user, group.id)
    # a manager sees totals, never a member's lines
    line = entries.list_entries(db, doc_a)[0]
    with pytest.raises(NotFound):
        entries.get_entry(db, manager, line.id)
    assert [(g.name, role) for g, role in groups.list_groups(db, doc_a)] == [("Ortho West", "clinician")]
    assert groups.list_groups(db, outsider) == []


def test_only_admin_manages_groups(db: Session, make_user: Callable[..., User]) -> None:
    admin = make_user()
    manager = make_user(role="manager")
    with pytest.raises(Forbidden):
        groups.create_group(db, manager, "Mine")
    group = groups.create_group(db, admin, "Team")
    with pytest.raises(Forbidden):
        groups.add_member(db, manager, group.id, manager.id, "manager")
    groups.add_member(db, admin, group.id, manager.id, "clinician")
    groups.add_member(db, admin, group.id, manager.id, "manager")  # again: changes the role
    assert [m.role for m in groups.members(db, admin, group.id)] == ["manager"]
    groups.remove_member(db, admin, group.id, manager.id)
    assert groups.member_count(db, group.id) == 0
    with pytest.raises(NotFound):
        groups.remove_member(db, admin, group.id, manager.id)
