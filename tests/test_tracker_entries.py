"""Log lines: validation against the real reference data, pricing per day, idempotency, ownership, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput, Provider
from openrvu.tracker import entries, profile, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.entries import EntryForm, parse_entry
from openrvu.tracker.errors import FormErrors, InvalidInput, NotFound, UnknownCode, UnknownModifier
from openrvu.tracker.models import AuditLog, LogEntry, User

DAY = date(2025, 11, 3)  # priced with RVU25D


def spec(
    hcpcs: str, mods: tuple[str, ...] = (), units: int = 1, pos: str = "11", day: date = DAY
) -> LineSpec:
    return LineSpec(day, hcpcs, mods, units, pos)


def test_create_stores_wrvu_and_allowed_from_the_pricing_engine(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    entry = entries.create_entry(db, user, spec("99213"), catalog)
    assert entry.release == "RVU25D"
    assert entry.wrvu == Decimal("1.30")  # 99213 work RVU in RVU25D
    expected = catalog.pricing.price([LineInput("99213", (), 1, "11")], on=DAY, locality="94110")
    assert entry.allowed == expected.lines[0].allowed
    assert entry.pricing_note is None


def test_user_without_locality_gets_national_amount_and_a_note(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    entry = entries.create_entry(db, make_user(), spec("99213"), catalog)
    assert entry.allowed is not None and entry.pricing_note and "national" in entry.pricing_note


def test_same_code_twice_in_one_encounter_is_ranked_and_re_ranked_after_delete(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    first = entries.create_entry(db, user, spec("20610"), catalog)
    second = entries.create_entry(db, user, spec("20610", ("59",)), catalog, same_patient=True)
    db.refresh(first)
    assert first.allowed is not None and second.allowed is not None
    assert second.encounter == first.encounter
    # rule 13: one encounter (same patient), so the second 20610 is ranked and paid at 50%
    assert [r.code for r in second_rules(catalog)] == ["13:100", "13:50"]
    assert second.allowed < first.allowed
    encounter = catalog.pricing.price(
        [LineInput("20610"), LineInput("20610", ("59",))], on=DAY, locality="94110"
    ).lines
    assert (first.allowed, second.allowed) == (encounter[0].allowed, encounter[1].allowed)
    entries.delete_entry(db, user, first.id, catalog)
    db.refresh(second)
    assert second.allowed == first.allowed
    assert totals.check_user(db, user.id)


def second_rules(catalog: Catalog) -> list[object]:
    lines = catalog.pricing.price(
        [LineInput("20610"), LineInput("20610", ("59",))], on=DAY, locality="94110"
    ).lines
    return [next(r for r in line.rules if r.rule == 13) for line in lines]


def test_security_idempotent_double_submit_makes_one_line(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    a = entries.create_entry(db, user, spec("99214"), catalog, idempotency_key="tap-1")
    b = entries.create_entry(db, user, spec("99214"), catalog, idempotency_key="tap-1")
    assert a.id == b.id
    assert db.query(LogEntry).count() == 1
    # the key is per user: another clinician may use the same key
    other = make_user()
    c = entries.create_entry(db, other, spec("99214"), catalog, idempotency_key="tap-1")
    assert c.id != a.id


@pytest.mark.parametrize(
    ("line", "error", "field"),
    [
        (spec("99999"), UnknownCode, "hcpcs"),
        (spec("99213", ("ZZ",)), UnknownModifier, "modifiers"),
        (spec("99213", ("26",)), UnknownModifier, "modifiers"),  # PC/TC indicator 0
        (spec("99213", pos="77"), InvalidInput, "pos"),
        (spec("99213", day=date(2019, 5, 1)), InvalidInput, "date_of_service"),
    ],
)
def test_bad_line_gets_a_specific_error_and_writes_nothing(
    db: Session,
    make_user: Callable[..., User],
    catalog: Catalog,
    line: LineSpec,
    error: type[Exception],
    field: str,
) -> None:
    user = make_user()
    with pytest.raises(error) as info:
        entries.create_entry(db, user, line, catalog)
    assert isinstance(info.value, InvalidInput) and info.value.field == field
    assert db.query(LogEntry).count() == 0


def test_parse_entry_names_every_bad_field_and_uses_profile_pos(make_user: Callable[..., User]) -> None:
    user = make_user(default_pos="22")
    with pytest.raises(FormErrors) as info:
        parse_entry(user, EntryForm("03/11/2025", "9921", "26 TCX", "0", "x"), today=date(2025, 12, 1))
    assert set(info.value.errors) == {"date_of_service", "hcpcs", "modifiers", "units", "pos"}
    with pytest.raises(FormErrors) as info:
        parse_entry(user, EntryForm("2025-12-09", "99213"), today=date(2025, 12, 1))
    assert set(info.value.errors) == {"date_of_service"}  # in the future
    ok = parse_entry(user, EntryForm(" 2025-11-03 ", " g0320 ", "rt,59", " 2 ", ""), today=date(2025, 12, 1))
    assert ok == LineSpec(date(2025, 11, 3), "G0320", ("RT", "59"), 2, "22")


def test_security_one_user_cannot_read_or_change_another_users_lines(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    owner, intruder = make_user(), make_user()
    entry = entries.create_entry(db, owner, spec("99213"), catalog)
    with pytest.raises(NotFound):
        entries.get_entry(db, intruder, entry.id)
    with pytest.raises(NotFound):
        entries.update_entry(db, intruder, entry.id, spec("99215"), catalog)
    with pytest.raises(NotFound):
        entries.delete_entry(db, intruder, entry.id, catalog)
    with pytest.raises(NotFound):
        entries.entry_history(db, intruder, entry.id)
    assert entries.list_entries(db, intruder) == []
    assert entries.entry_ids(db, intruder) == []
    db.expire_all()
    kept = entries.get_entry(db, owner, entry.id)
    assert (kept.hcpcs, kept.units) == ("99213", 1)


def test_security_audit_trail_keeps_before_and_after(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    entry = entries.create_entry(db, user, spec("99213"), catalog)
    entries.update_entry(db, user, entry.id, spec("99214", units=1, pos="22"), catalog)
    entries.delete_entry(db, user, entry.id, catalog)
    trail = entries.entry_history(db, user, entry.id)
    assert [r.action for r in trail] == ["create", "update", "delete"]
    assert all(r.actor_id == user.id and r.at is not None for r in trail)
    update = trail[1]
    assert update.before is not None and update.after is not None
    assert (update.before["hcpcs"], update.before["pos"]) == ("99213", "11")
    assert (update.after["hcpcs"], update.after["pos"]) == ("99214", "22")
    assert Decimal(update.before["wrvu"]) == Decimal("1.30")
    assert trail[2].before == update.after and trail[2].after is None
    with pytest.raises(NotFound):
        entries.get_entry(db, user, entry.id)
    assert db.query(AuditLog).filter(AuditLog.entity == "log_entry").count() == 3


def test_list_entries_filters_by_range_and_code(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    for day, code in [
        (date(2025, 10, 1), "99213"),
        (date(2025, 10, 2), "99214"),
        (date(2025, 11, 1), "99213"),
    ]:
        entries.create_entry(db, user, spec(code, day=day), catalog)
    listed = entries.list_entries(db, user, start=date(2025, 10, 1), end=date(2025, 10, 31))
    assert [e.date_of_service for e in listed] == [date(2025, 10, 2), date(2025, 10, 1)]
    assert len(entries.entry_ids(db, user, hcpcs="99213")) == 2


def test_profile_change_reprices_lines(db: Session, make_user: Callable[..., User], catalog: Catalog) -> None:
    user = make_user()
    entry = entries.create_entry(db, user, spec("99213"), catalog)
    national = entry.allowed
    profile.update_profile(db, user, {"zip_code": "94110", "provider_kind": "npp"}, catalog)
    db.refresh(entry)
    local = catalog.pricing.price([LineInput("99213")], on=DAY, locality="94110").lines[0].allowed
    npp = catalog.pricing.price([LineInput("99213")], on=DAY, locality="94110", provider=Provider(npp=True))
    assert local is not None and national is not None and local != national
    assert entry.allowed == npp.lines[0].allowed
    assert entry.allowed is not None and entry.allowed < local
    assert entry.wrvu == Decimal("1.30")  # NPP: payment 85%, wRVU credit unchanged
    assert totals.check_user(db, user.id)


def test_profile_contract_switches_change_credit_and_are_validated(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    first = entries.create_entry(db, user, spec("20610"), catalog)
    second = entries.create_entry(db, user, spec("20610", ("59",)), catalog, same_patient=True)
    assert second.wrvu is not None and first.wrvu is not None and second.wrvu < first.wrvu  # CMS-consistent
    profile.update_profile(db, user, {"contract": {"reduces_wrvu": {"multiple_procedure": False}}}, catalog)
    db.refresh(second)
    assert second.wrvu == first.wrvu  # full credit for the second procedure, payment still reduced
    assert profile.profile_dict(user)["contract"]["reduces_wrvu"]["multiple_procedure"] is False
    with pytest.raises(FormErrors) as info:
        profile.update_profile(
            db, user, {"contract": {"frozen_release": "RVU19A"}, "fte": "3", "zip_code": "ABCDE"}, catalog
        )
    assert set(info.value.errors) == {"contract", "fte", "zip_code"}
    profile.update_profile(db, user, {"contract": {"frozen_release": "rvu25d"}}, catalog)
    assert user.contract["frozen_release"] == "RVU25D"
    # credit at the frozen CY2025 work RVU (19.60) though the 2026 line is paid from RVU26C (19.11)
    knee = entries.create_entry(db, user, spec("27447", pos="22", day=date(2026, 3, 2)), catalog)
    assert knee.release == "RVU26C" and knee.wrvu == Decimal("19.60")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.text(max_size=30),
    code=st.text(max_size=12),
    mods=st.text(max_size=20) | st.lists(st.text(max_size=4), max_size=6),
    units=st.text(max_size=6) | st.integers(),
    pos=st.none() | st.text(max_size=4),
)
def test_parse_entry_never_crashes_on_junk(
    day: str, code: str, mods: object, units: object, pos: str | None
) -> None:
    user = User(email="x@example.org", password_hash="-", role="clinician", default_pos="11")
    try:
        parsed = parse_entry(user, EntryForm(day, code, mods, units, pos), today=date(2025, 12, 1))  # type: ignore[arg-type]
    except FormErrors as exc:
        assert exc.errors and all(isinstance(v, str) and v for v in exc.errors.values())
    else:
        assert len(parsed.hcpcs) == 5 and 1 <= parsed.units <= 999 and len(parsed.modifiers) <= 4
