"""Encounters: the lines of one patient (a date and an opaque token) are priced together, never the
lines of other patients logged the same day; lines logged before encounters keep the whole-day rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from openrvu.pricing.model import LineInput
from openrvu.tracker import entries, profile, shortcuts, totals
from openrvu.tracker import warnings as coding
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.errors import InvalidInput
from openrvu.tracker.models import LogEntry, User

DAY = date(2025, 11, 3)  # priced with RVU25D


def line(hcpcs: str, mods: tuple[str, ...] = (), day: date = DAY) -> LineSpec:
    return LineSpec(day, hcpcs, mods, 1, "11")


def biopsy_credit(catalog: Catalog, count: int) -> list[Decimal | None]:
    """The wRVU of ``count`` 11102 lines priced as one encounter by the engine itself."""
    result = catalog.pricing.price([LineInput("11102")] * count, on=DAY, locality="94110")
    return [p.wrvu for p in result.lines]


def test_ten_biopsies_on_ten_patients_are_each_credited_in_full(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    made = [entries.create_entry(db, user, line("11102"), catalog) for _ in range(10)]
    for entry in made:
        db.refresh(entry)
    alone = biopsy_credit(catalog, 1)[0]
    assert alone is not None and alone > 0
    assert len({e.encounter for e in made}) == 10  # each its own encounter
    assert all(e.encounter and len(e.encounter) == 22 for e in made)
    assert [e.wrvu for e in made] == [alone] * 10
    assert entries.total_wrvu(made) == alone * 10
    assert totals.check_user(db, user.id)


def test_ten_biopsies_on_one_patient_are_ranked(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    first = entries.create_entry(db, user, line("11102"), catalog)
    rest = [entries.create_entry(db, user, line("11102"), catalog, same_patient=True) for _ in range(9)]
    made = [first, *rest]
    for entry in made:
        db.refresh(entry)
    assert {e.encounter for e in made} == {first.encounter}
    ranked = biopsy_credit(catalog, 10)
    assert [e.wrvu for e in made] == ranked
    assert ranked[1] is not None and ranked[0] is not None and ranked[1] < ranked[0]  # the default contract
    # the same ten joined by an explicit token (what the API and imports use) price alike
    other = make_user(zip_code="94110")
    joined = [entries.create_entry(db, other, line("11102"), catalog, encounter="visit-1") for _ in range(10)]
    for entry in joined:
        db.refresh(entry)
    assert [e.wrvu for e in joined] == ranked


def test_deleting_or_moving_a_line_reprices_only_its_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    a1 = entries.create_entry(db, user, line("20610"), catalog)
    a2 = entries.create_entry(db, user, line("20610", ("59",)), catalog, same_patient=True)
    b = entries.create_entry(db, user, line("20610"), catalog)  # another patient, same day
    for e in (a1, a2, b):
        db.refresh(e)
    assert a2.wrvu is not None and b.wrvu is not None and a2.wrvu < b.wrvu == a1.wrvu
    # an edit keeps the encounter: moving a2 to another date leaves it alone there
    entries.update_entry(db, user, a2.id, line("20610", ("59",), day=date(2025, 11, 4)), catalog)
    db.refresh(a2)
    assert a2.encounter == a1.encounter and a2.wrvu == a1.wrvu
    assert totals.check_user(db, user.id)


def test_same_patient_joins_the_latest_line_of_that_date_and_needs_one(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    with pytest.raises(InvalidInput) as info:
        entries.create_entry(db, user, line("99213"), catalog, same_patient=True)
    assert info.value.field == "same_patient" and "2025-11-03" in info.value.message
    first = entries.create_entry(db, user, line("99213"), catalog)
    second = entries.create_entry(db, user, line("20610"), catalog)
    other_day = entries.create_entry(db, user, line("99213", day=date(2025, 11, 2)), catalog)
    joined = entries.create_entry(db, user, line("20611"), catalog, same_patient=True)
    assert joined.encounter == second.encounter != first.encounter
    assert other_day.encounter not in (first.encounter, second.encounter)
    with pytest.raises(InvalidInput) as both:
        entries.create_entry(db, user, line("99213"), catalog, same_patient=True, encounter="abc")
    assert both.value.field == "encounter"
    for bad in ("", "a b", "x" * 33, "ümlaut", "a/b"):
        if bad == "":
            continue  # blank means "no token": a new encounter
        with pytest.raises(InvalidInput) as token:
            entries.create_entry(db, user, line("99213"), catalog, encounter=bad)
        assert token.value.field == "encounter"
    # an idempotent repeat returns the first line whatever it asks to join
    keyed = entries.create_entry(db, user, line("99214"), catalog, idempotency_key="k-1")
    again = entries.create_entry(db, user, line("99214"), catalog, idempotency_key="k-1", same_patient=True)
    assert again.id == keyed.id and again.encounter == keyed.encounter


def _legacy_lines(db: Session, user: User, codes: list[tuple[str, str]]) -> list[int]:
    """Lines as they were stored before encounters existed (NULL encounter), unpriced."""
    ids = []
    for code, mods in codes:
        entry = LogEntry(user_id=user.id, date_of_service=DAY, hcpcs=code, modifiers=mods, units=1, pos="11")
        db.add(entry)
        db.flush()
        ids.append(entry.id)
    db.commit()
    return ids


def test_lines_without_an_encounter_keep_the_whole_day_rule(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    ids = _legacy_lines(db, user, [("20610", ""), ("20610", "59")])
    fresh = entries.create_entry(db, user, line("20610"), catalog)  # a new patient that day
    assert entries.reprice_all(db, user, catalog) == 3
    old = [db.get(LogEntry, i) for i in ids]
    engine = catalog.pricing.price(
        [LineInput("20610"), LineInput("20610", ("59",))], on=DAY, locality="94110"
    ).lines
    assert [e.wrvu for e in old if e] == [p.wrvu for p in engine]  # ranked together, as before
    assert fresh.wrvu == engine[0].wrvu  # not ranked against the legacy lines
    marks = entries.encounter_marks(entries.list_entries(db, user))
    assert marks[ids[0]] == marks[ids[1]] and fresh.id not in marks
    assert totals.check_user(db, user.id)


def test_same_patient_after_a_legacy_line_joins_its_whole_day_group(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    (legacy,) = _legacy_lines(db, user, [("20610", "")])
    joined = entries.create_entry(db, user, line("20610", ("59",)), catalog, same_patient=True)
    old = db.get(LogEntry, legacy)
    assert old is not None and old.encounter is None and joined.encounter is None  # history kept as is
    engine = catalog.pricing.price(
        [LineInput("20610"), LineInput("20610", ("59",))], on=DAY, locality="94110"
    ).lines
    assert (old.wrvu, joined.wrvu) == (engine[0].wrvu, engine[1].wrvu)


def test_profile_change_reprices_per_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    a = [entries.create_entry(db, user, line("11102"), catalog) for _ in range(3)]
    profile.update_profile(db, user, {"zip_code": "10001"}, catalog)
    for e in a:
        db.refresh(e)
    alone = catalog.pricing.price([LineInput("11102")], on=DAY, locality="10001").lines[0]
    assert [e.allowed for e in a] == [alone.allowed] * 3


def test_same_day_coding_warnings_stay_within_an_encounter(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    visit = entries.create_entry(db, user, line("99213"), catalog)
    biopsy = entries.create_entry(db, user, line("11102"), catalog)  # another patient
    shown = entries.list_entries(db, user)
    found = coding.line_warnings(db, user, catalog, shown)
    assert "em-same-day-minor-procedure" not in {w.code for w in found.get(visit.id, [])}
    # the same visit beside a biopsy of the same patient is warned about
    joined = entries.create_entry(db, user, line("11102"), catalog, encounter=visit.encounter)
    found = coding.line_warnings(db, user, catalog, entries.list_entries(db, user))
    same_day = [w for w in found.get(visit.id, []) if w.code == "em-same-day-minor-procedure"]
    assert len(same_day) == 1 and same_day[0].severity == "warning"
    assert joined.id in same_day[0].related and biopsy.id not in same_day[0].related


def test_cross_date_warnings_stay_as_info_that_says_same_patient(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user()
    surgery = entries.create_entry(db, user, LineSpec(date(2025, 10, 1), "27447", (), 1, "22"), catalog)
    visit = entries.create_entry(db, user, line("99213"), catalog)
    found = coding.line_warnings(db, user, catalog, [visit])
    (warning,) = [w for w in found[visit.id] if w.code == "em-in-global-period"]
    assert warning.severity == "info" and "same patient" in warning.message
    assert warning.related == (surgery.id,)


def test_a_template_is_logged_as_one_encounter_each_time(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    user = make_user(zip_code="94110")
    items = [shortcuts.TemplateLine("20610", [], 1), shortcuts.TemplateLine("20610", ["59"], 1)]
    tpl = shortcuts.create_template(db, user, "both knees", items, catalog)
    first = shortcuts.log_template(db, user, tpl.id, DAY, catalog, idempotency_key="t-1")
    second = shortcuts.log_template(db, user, tpl.id, DAY, catalog)  # the next patient, same day
    for e in (*first, *second):
        db.refresh(e)
    assert first[0].encounter == first[1].encounter != second[0].encounter == second[1].encounter
    engine = catalog.pricing.price(
        [LineInput("20610"), LineInput("20610", ("59",))], on=DAY, locality="94110"
    ).lines
    assert [e.wrvu for e in first] == [e.wrvu for e in second] == [p.wrvu for p in engine]
    # a retry under the same key returns the same lines, in the same encounter
    again = shortcuts.log_template(db, user, tpl.id, DAY, catalog, idempotency_key="t-1")
    assert [e.id for e in again] == [e.id for e in first]


def test_lines_waiting_for_their_years_release_are_checked_against_the_latest_one(
    db: Session, make_user: Callable[..., User], catalog: Catalog
) -> None:
    """Lines dated in a year no loaded release covers are stored unpriced, yet the checks need only
    each code's row: they read it from the release the lines were validated against, and say so."""
    user = make_user()
    latest = catalog.reference.latest_release()
    year = latest.year + 1
    surgery = entries.create_entry(db, user, LineSpec(date(year, 1, 5), "27447", (), 1, "22"), catalog)
    visit = entries.create_entry(db, user, LineSpec(date(year, 1, 20), "99213", (), 1, "11"), catalog)
    addon = entries.create_entry(db, user, LineSpec(date(year, 2, 2), "11103", (), 1, "11"), catalog)
    priced = entries.create_entry(db, user, LineSpec(DAY, "11103", (), 1, "11"), catalog)
    assert [e.wrvu for e in (surgery, visit, addon)] == [None, None, None] and priced.wrvu is not None
    found = coding.line_warnings(db, user, catalog, entries.list_entries(db, user))
    checked = f"Checked against {latest.name}, the latest loaded release: no {year} RVU release is loaded yet"
    (in_global,) = [w for w in found[visit.id] if w.code == "em-in-global-period"]
    assert in_global.related == (surgery.id,) and in_global.message.endswith(checked + ".")
    assert [w.code for w in found[addon.id]] == ["addon-without-primary"]
    assert found[addon.id][0].message.endswith(checked + ".") and str(year) in found[addon.id][0].message
    # a line some loaded release prices is checked against it, as before, with no such note
    assert [w.code for w in found[priced.id]] == ["addon-without-primary"]
    assert "Checked against" not in found[priced.id][0].message
