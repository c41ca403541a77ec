"""Coding warnings (``openrvu.pricing.warnings``) over real RVU25D rows: each check, what resolves it,
and what must stay quiet. Codes are picked from the file by their indicators, not hard-coded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.cms.models import RvuRow
from openrvu.cms.rvu_file import parse_pprrvu
from openrvu.pricing.warnings import SOURCES, BillingWarning, CodedLine, billing_warnings
from openrvu.reference.categories import EM_FAMILIES

DAY = date(2025, 11, 3)


class Rows:
    """Real rows of RVU25D chosen by indicator."""

    def __init__(self, rows: list[RvuRow]) -> None:
        self.by_key = {(r.hcpcs, r.modifier): r for r in rows}
        glob = [r for r in rows if r.modifier == ""]
        active = [r for r in glob if r.status_code == "A" and r.hcpcs.isdigit()]

        def first(pred) -> RvuRow:  # type: ignore[no-untyped-def]
            return next(r for r in active if pred(r))

        self.addon = first(lambda r: r.global_days == "ZZZ")
        self.addon2 = next(r for r in active if r.global_days == "ZZZ" and r.hcpcs != self.addon.hcpcs)
        self.zero = first(lambda r: r.global_days == "000")
        self.ten = first(lambda r: r.global_days == "010")
        self.ninety = first(lambda r: r.global_days == "090")
        self.ninety2 = next(r for r in active if r.global_days == "090" and r.hcpcs != self.ninety.hcpcs)
        self.xxx_test = first(lambda r: r.global_days == "XXX" and r.hcpcs not in _EM and r.pctc == "1")
        self.split = first(
            lambda r: (
                r.pctc == "1"
                and self.by_key.get((r.hcpcs, "26"), r).status_code == "A"
                and (r.hcpcs, "TC") in self.by_key
            )
        )
        em = next(code for _k, _n, codes in EM_FAMILIES for code in codes if (code, "") in self.by_key)
        self.visit = self.by_key[(em, "")]
        self.status = {s: next(r for r in glob if r.status_code == s) for s in ("B", "I", "N", "T", "M")}
        self.status_t = self.status["T"]

    def row(self, hcpcs: str, mod: str = "") -> RvuRow:
        return self.by_key.get((hcpcs, mod)) or self.by_key[(hcpcs, "")]


_EM = frozenset(code for _k, _n, codes in EM_FAMILIES for code in codes)


@pytest.fixture(scope="module")
def rows(cms_dir: Path) -> Rows:
    return Rows(parse_pprrvu(cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv").rows)


def line(key: int, row: RvuRow, *mods: str, on: date = DAY, rows: Rows | None = None) -> CodedLine:
    """A coded line priced from the row of its modifier (the -26/-TC row when it carries one)."""
    priced = row
    if rows is not None and ("26" in mods or "TC" in mods):
        priced = rows.row(row.hcpcs, "26" if "26" in mods else "TC")
    return CodedLine(key, on, row.hcpcs, tuple(mods), priced)


def codes(found: tuple[BillingWarning, ...]) -> list[str]:
    return [w.code for w in found]


def only(found: tuple[BillingWarning, ...], code: str) -> BillingWarning:
    hits = [w for w in found if w.code == code]
    assert len(hits) == 1, found
    return hits[0]


def test_an_add_on_code_alone_has_no_primary(rows: Rows) -> None:
    alone = billing_warnings([line(1, rows.addon)])
    w = only(alone, "addon-without-primary")
    assert w.lines == (1,) and w.severity == "warning" and w.modifiers == ()
    assert rows.addon.hcpcs in w.message and "add-on" in w.message and "primary" in w.message
    assert w.rule == 17 and "payment-rules.md #13, #17" in w.source
    two = billing_warnings([line(1, rows.addon), line(2, rows.addon2)])
    assert [w.lines for w in two if w.code == "addon-without-primary"] == [(1,), (2,)]
    # with a primary procedure the same day, or another date's primary, it is quiet / still warned
    assert "addon-without-primary" not in codes(billing_warnings([line(1, rows.zero), line(2, rows.addon)]))
    elsewhere = billing_warnings([line(1, rows.zero, on=DAY - timedelta(days=1)), line(2, rows.addon)])
    assert only(elsewhere, "addon-without-primary").lines == (2,)


def test_a_visit_on_the_day_of_a_minor_procedure_needs_25(rows: Rows) -> None:
    for minor in (rows.zero, rows.ten):
        found = billing_warnings([line(1, rows.visit), line(2, minor)])
        w = only(found, "em-same-day-minor-procedure")
        assert w.lines == (1,) and w.related == (2,) and w.modifiers == ("25",)
        assert "modifier 25" in w.message and minor.hcpcs in w.message
        assert billing_warnings([line(1, rows.visit, "25"), line(2, minor)]) == ()
    # 57 is the modifier of major surgery: on a minor procedure's day it does not resolve, and says so
    wrong = only(
        billing_warnings([line(1, rows.visit, "57"), line(2, rows.ten)]), "em-same-day-minor-procedure"
    )
    assert "57 is for major surgery only" in wrong.message


def test_a_visit_on_the_day_of_major_surgery_needs_57(rows: Rows) -> None:
    w = only(billing_warnings([line(1, rows.visit), line(2, rows.ninety)]), "em-same-day-major-surgery")
    assert w.modifiers == ("57",) and w.related == (2,) and "decision to operate" in w.message
    assert "em-same-day-major-surgery" in codes(
        billing_warnings([line(1, rows.visit, "25"), line(2, rows.ninety)])
    )
    assert billing_warnings([line(1, rows.visit, "57"), line(2, rows.ninety)]) == ()


def test_a_visit_the_day_before_major_surgery_needs_57(rows: Rows) -> None:
    before = DAY - timedelta(days=1)
    found = billing_warnings([line(1, rows.visit, on=before), line(2, rows.ninety)])
    w = only(found, "em-day-before-major-surgery")
    assert w.lines == (1,) and w.related == (2,) and w.on == before and w.modifiers == ("57",)
    assert billing_warnings([line(1, rows.visit, "57", on=before), line(2, rows.ninety)]) == ()
    # two days before, or the day before a minor procedure: no pre-operative day
    assert billing_warnings([line(1, rows.visit, on=DAY - timedelta(days=2)), line(2, rows.ninety)]) == ()
    assert billing_warnings([line(1, rows.visit, on=before), line(2, rows.ten)]) == ()


@pytest.mark.parametrize(("which", "days"), [("ten", 10), ("ninety", 90)])
def test_a_visit_inside_the_global_period_needs_24(rows: Rows, which: str, days: int) -> None:
    surgery = getattr(rows, which)
    last = DAY + timedelta(days=days)
    inside = billing_warnings([line(1, surgery), line(2, rows.visit, on=last)])
    w = only(inside, "em-in-global-period")
    assert w.lines == (2,) and w.related == (1,) and w.modifiers == ("24",) and w.on == last
    assert surgery.hcpcs in w.message and DAY.isoformat() in w.message and "same patient" in w.message
    assert billing_warnings([line(1, surgery), line(2, rows.visit, "24", on=last)]) == ()
    after = billing_warnings([line(1, surgery), line(2, rows.visit, on=last + timedelta(days=1))])
    assert after == ()


def test_a_zero_day_global_has_no_post_operative_period(rows: Rows) -> None:
    assert billing_warnings([line(1, rows.zero), line(2, rows.visit, on=DAY + timedelta(days=1))]) == ()


def test_a_procedure_in_the_post_operative_period_needs_58_78_or_79(rows: Rows) -> None:
    later = DAY + timedelta(days=30)
    found = billing_warnings([line(1, rows.ninety), line(2, rows.zero, on=later)])
    w = only(found, "procedure-in-global-period")
    assert w.lines == (2,) and w.related == (1,) and w.modifiers == ("58", "78", "79")
    for mod in ("58", "78", "79"):
        assert billing_warnings([line(1, rows.ninety), line(2, rows.zero, mod, on=later)]) == ()
    # a test without a global period (XXX) is not part of the surgery's package
    assert billing_warnings([line(1, rows.ninety), line(2, rows.xxx_test, on=later)]) == ()


def test_global_and_component_of_one_code_on_one_date(rows: Rows) -> None:
    code = rows.split
    found = billing_warnings([line(1, code), line(2, code, "26", rows=rows)])
    w = only(found, "component-double-billed")
    assert w.lines == (1, 2) and "26" in w.message and "TC" in w.message
    tc = billing_warnings([line(1, code), line(2, code, "TC", rows=rows)])
    assert codes(tc) == ["component-double-billed"]
    # a second study marked as a repeat, or the two components without the global: not double billing
    assert billing_warnings([line(1, code), line(2, code, "26", "76", rows=rows)]) == ()
    assert billing_warnings([line(1, code, "26", rows=rows), line(2, code, "TC", rows=rows)]) == ()


def test_the_same_code_twice_with_nothing_telling_the_lines_apart(rows: Rows) -> None:
    code = rows.zero
    w = only(billing_warnings([line(1, code), line(2, code)]), "same-code-repeated")
    assert w.severity == "info" and w.lines == (1, 2) and "59" in w.modifiers and "RT" in w.modifiers
    assert only(billing_warnings([line(1, code, "RT"), line(2, code, "RT")]), "same-code-repeated")
    for mods in (("RT",), ("59",), ("XS",), ("76",), ("50",)):
        assert billing_warnings([line(1, code), line(2, code, *mods)]) == (), mods
    assert billing_warnings([line(1, code, "RT"), line(2, code, "LT")]) == ()
    # on two dates the lines are two encounters
    assert billing_warnings([line(1, code), line(2, code, on=DAY + timedelta(days=1))]) == ()


def test_statuses_not_paid_are_said_in_words(rows: Rows) -> None:
    bundled = only(billing_warnings([line(1, rows.status["B"])]), "status-not-payable")
    assert bundled.severity == "info" and "status B (Bundled code" in bundled.message
    invalid = only(billing_warnings([line(1, rows.status["I"])]), "status-not-payable")
    assert invalid.severity == "warning" and "another code" in invalid.message
    noncovered = only(billing_warnings([line(1, rows.status["N"])]), "status-not-payable")
    assert noncovered.modifiers == ("GY",) and "Non-covered" in noncovered.message
    measure = only(billing_warnings([line(1, rows.status["M"])]), "status-not-payable")
    assert measure.severity == "info" and "quality measure" in measure.message
    assert billing_warnings([line(1, rows.visit)]) == ()


def test_status_t_is_bundled_beside_another_paid_service(rows: Rows) -> None:
    assert "status-t-with-other-service" not in codes(billing_warnings([line(1, rows.status_t)]))
    w = only(billing_warnings([line(1, rows.status_t), line(2, rows.visit)]), "status-t-with-other-service")
    assert w.lines == (1,) and w.related == (2,) and "status T" in w.message
    other_t = next(r for r in rows.by_key.values() if r.status_code == "T" and r.hcpcs != rows.status_t.hcpcs)
    assert billing_warnings([line(1, rows.status_t), line(2, other_t)]) == ()


def test_context_lines_are_read_but_not_reported_on(rows: Rows) -> None:
    surgery, visit = line(1, rows.ninety), line(2, rows.visit, on=DAY + timedelta(days=5))
    assert codes(billing_warnings([visit], [surgery])) == ["em-in-global-period"]
    assert billing_warnings([surgery], [visit]) == ()


def test_every_code_has_a_source_and_every_warning_a_message(rows: Rows) -> None:
    everything = [
        line(1, rows.addon, on=DAY - timedelta(days=3)),
        line(2, rows.ninety),
        line(3, rows.visit),
        line(4, rows.zero, on=DAY + timedelta(days=2)),
        line(5, rows.zero, on=DAY + timedelta(days=2)),
        line(6, rows.visit, on=DAY + timedelta(days=2)),
        line(7, rows.status["B"]),
        line(8, rows.split),
        line(9, rows.split, "TC", rows=rows),
        line(10, rows.status_t),
        line(11, rows.visit, on=DAY - timedelta(days=1)),
    ]
    found = billing_warnings(everything)
    assert set(codes(found)) == set(SOURCES)  # every check fires on this day set, and has a source
    for w in found:
        assert w.message.endswith(".") and w.source.startswith("payment-rules.md #")
        assert w.to_dict()["date"] == w.on.isoformat()


@pytest.fixture(scope="module")
def pool(rows: Rows) -> list[tuple[RvuRow, tuple[str, ...]]]:
    return [
        (rows.addon, ()),
        (rows.zero, ()),
        (rows.zero, ("RT",)),
        (rows.ten, ()),
        (rows.ninety, ()),
        (rows.ninety2, ("79",)),
        (rows.visit, ()),
        (rows.visit, ("25",)),
        (rows.visit, ("24",)),
        (rows.visit, ("57",)),
        (rows.split, ()),
        (rows.status["B"], ()),
        (rows.status_t, ()),
    ]


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 100)), min_size=1, max_size=14),
    seed=st.randoms(use_true_random=False),
)
def test_the_order_of_lines_never_changes_the_warnings(pool, picks, seed) -> None:  # type: ignore[no-untyped-def]
    lines = [
        CodedLine(key, DAY + timedelta(days=offset), pool[i][0].hcpcs, pool[i][1], pool[i][0])
        for key, (i, offset) in enumerate(picks, start=1)
    ]
    shuffled = list(lines)
    seed.shuffle(shuffled)
    found = billing_warnings(lines)
    assert billing_warnings(shuffled) == found
    keys = {x.key for x in lines}
    for w in found:
        assert set(w.lines) <= keys and set(w.related) <= keys and w.lines
    # splitting the lines into reported ones and context never invents a warning
    half = set(seed.sample(sorted(keys), k=len(keys) // 2))
    part = billing_warnings([x for x in lines if x.key in half], [x for x in lines if x.key not in half])
    assert set(part) == {w for w in found if half.intersection(w.lines)}
