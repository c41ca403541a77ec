"""Logged lines move to a release loaded later when it is the one in force on their date.

The later release is derived at test time from the user's real CY2026 July file (never committed): the
banner says "October Release" and 99214's work RVU is raised by 0.10, so the test knows what must change.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from openrvu.reference.build import ingest
from openrvu.reference.db import ReferenceDB
from openrvu.tracker import entries, totals
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.db import make_engine, migrate, session_factory
from openrvu.tracker.errors import InvalidInput
from openrvu.tracker.models import AuditLog, LogEntry, User
from openrvu.tracker.release_sync import stale_days, sync_releases

SUMMER = date(2026, 8, 3)  # RVU26C (July) is in force
AUTUMN = date(2026, 11, 2)  # RVU26D (October) once loaded; RVU26C before (nearest of the year)
RAISE = Decimal("0.10")


@dataclass
class Releases:
    before: Path  # reference database with RVU26C only
    after: Path  # the same plus the derived RVU26D
    october_dir: Path  # the derived files, for the CLI test
    work_26c: Decimal  # 99214 work RVU in RVU26C


def _derive_october(src: Path, dst: Path) -> None:
    """Copy the CY2026 files; the RVU file becomes an October release with 99214's work RVU raised."""
    dst.mkdir()
    for path in src.glob("*.csv"):
        if not path.name.upper().startswith("PPRRVU"):
            shutil.copy(path, dst / path.name)
            continue
        with path.open(newline="", encoding="latin-1") as handle:
            rows = list(csv.reader(handle))
        header = next(i for i, r in enumerate(rows) if r and r[0] == "HCPCS")
        work = next(
            c for c, name in enumerate(rows[header]) if name == "RVU" and rows[header - 1][c] == "WORK"
        )
        for row in rows:
            for c, cell in enumerate(row):
                row[c] = cell.replace("July Release", "October Release").replace(
                    "RELEASED 06/30/2026", "RELEASED 09/30/2026"
                )
            if row[:2] == ["99214", ""]:
                row[work] = str(Decimal(row[work]) + RAISE)
        name = path.name.replace("_Jul", "_Oct")
        with (dst / name).open("w", newline="", encoding="latin-1") as handle:
            csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory, cms_dir: Path) -> Releases:
    root = tmp_path_factory.mktemp("release-sync")
    before = root / "before.sqlite"
    ingest(before, [cms_dir / "pfs_rvu_2026"])
    october = root / "october"
    _derive_october(cms_dir / "pfs_rvu_2026", october)
    after = root / "after.sqlite"
    shutil.copy(before, after)
    ingest(after, [october])
    with ReferenceDB(after) as db:
        assert [r.name for r in db.releases()] == ["RVU26C", "RVU26D"]
        row = db.rvu("RVU26C", "99214")
        assert row is not None
        work = row.work_rvu
    return Releases(before, after, october, work)


@pytest.fixture()
def catalogs(releases: Releases) -> Iterator[tuple[Catalog, Catalog]]:
    old, new = ReferenceDB(releases.before), ReferenceDB(releases.after)
    yield Catalog(old), Catalog(new)
    old.close()
    new.close()


def _log(db: Session, user: User, catalog: Catalog) -> list[LogEntry]:
    specs = [
        LineSpec(SUMMER, "99214", (), 1, "11"),
        LineSpec(AUTUMN, "99214", (), 1, "11"),
        LineSpec(AUTUMN, "99213", (), 1, "11"),
    ]
    return [entries.create_entry(db, user, s, catalog) for s in specs]


def test_lines_dated_after_the_new_release_move_to_it_and_others_stay(
    db: Session, make_user: Callable[..., User], catalogs: tuple[Catalog, Catalog], releases: Releases
) -> None:
    old, new = catalogs
    user = make_user(locality="01112-05")
    summer, autumn_214, autumn_213 = _log(db, user, old)
    assert {e.release for e in (summer, autumn_214, autumn_213)} == {"RVU26C"}
    assert autumn_214.wrvu == releases.work_26c
    summer_figures = (summer.wrvu_e4, summer.allowed_cents)

    assert stale_days(db, new) == {user.id: {AUTUMN}}
    report = sync_releases(db, new)

    assert (report.users, report.days, report.lines) == (1, 1, 2)
    assert report.moves == {("RVU26C", "RVU26D"): 2}
    db.expire_all()
    assert (summer.release, summer.wrvu_e4, summer.allowed_cents) == ("RVU26C", *summer_figures)
    assert autumn_214.release == "RVU26D" and autumn_214.wrvu == releases.work_26c + RAISE
    assert autumn_213.release == "RVU26D"
    assert totals.check_user(db, user.id)  # the dashboard totals follow the new figures
    trail = db.scalars(select(AuditLog).where(AuditLog.action == "reprice-release")).all()
    assert sorted(a.entity_id for a in trail) == sorted([autumn_214.id, autumn_213.id])
    moved = next(a for a in trail if a.entity_id == autumn_214.id)
    assert moved.actor_id is None
    assert moved.before is not None and moved.after is not None
    assert (moved.before["release"], moved.after["release"]) == ("RVU26C", "RVU26D")
    assert moved.after["wrvu_e4"] - moved.before["wrvu_e4"] == int(RAISE * 10_000)


def test_sync_is_idempotent_and_leaves_current_lines_alone(
    db: Session, make_user: Callable[..., User], catalogs: tuple[Catalog, Catalog]
) -> None:
    old, new = catalogs
    user = make_user(locality="01112-05")
    _log(db, user, old)
    assert sync_releases(db, old).lines == 0  # nothing new loaded: nothing moves
    assert sync_releases(db, new).lines == 2
    again = sync_releases(db, new)
    assert (again.days, again.lines) == (0, 0)


def test_ingest_command_reprices_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, releases: Releases, light_argon2: None
) -> None:
    """`openrvu ingest` of a new release re-prices the SQLite log beside it and says so."""
    from openrvu.cli import app
    from openrvu.tracker import accounts

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(releases.before, home / "reference.sqlite")
    url = f"sqlite:///{home / 'openrvu.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with ReferenceDB(home / "reference.sqlite") as ref, session_factory(engine)() as session:
        user = accounts.sign_up(session, "doc@example.org", "correct horse battery")
        user.locality = "01112-05"
        session.commit()
        _log(session, user, Catalog(ref))
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    result = CliRunner().invoke(app, ["ingest", str(releases.october_dir)])

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "Procedure log: 2 lines on 1 day(s) re-priced" in said
    assert "(RVU26C -> RVU26D: 2)" in said
    with session_factory(engine)() as session:
        moved = session.scalars(select(LogEntry).where(LogEntry.date_of_service == AUTUMN)).all()
        assert {e.release for e in moved} == {"RVU26D"}
    engine.dispose()
    again = CliRunner().invoke(app, ["ingest", str(releases.october_dir)])
    assert again.exit_code == 0 and "Procedure log" not in again.output


def test_sync_reprices_each_encounter_of_a_stale_date_on_its_own(
    db: Session, make_user: Callable[..., User], catalogs: tuple[Catalog, Catalog]
) -> None:
    old, new = catalogs
    user = make_user(locality="01112-05")
    first = entries.create_entry(db, user, LineSpec(AUTUMN, "20610", (), 1, "11"), old)
    joined = entries.create_entry(
        db, user, LineSpec(AUTUMN, "20610", ("59",), 1, "11"), old, same_patient=True
    )
    alone = entries.create_entry(db, user, LineSpec(AUTUMN, "20610", (), 1, "11"), old)  # another patient
    sync_releases(db, new)
    db.expire_all()
    pair = new.price_day(
        [LineSpec(AUTUMN, "20610", (), 1, "11"), LineSpec(AUTUMN, "20610", ("59",), 1, "11")], user
    )
    single = new.price_day([LineSpec(AUTUMN, "20610", (), 1, "11")], user)[0]
    assert {e.release for e in (first, joined, alone)} == {"RVU26D"}
    assert (first.allowed, joined.allowed, alone.allowed) == (
        pair[0].allowed,
        pair[1].allowed,
        single.allowed,
    )
    assert joined.allowed is not None and single.allowed is not None and joined.allowed < single.allowed
    assert totals.check_user(db, user.id)


NEW_YEAR = date(2027, 1, 4)  # no 2027 release is loaded: the lines wait unpriced


def _derive_2027(src: Path, dst: Path) -> None:
    """A test-only CY2027 January release: the CY2026 files with their year changed (never committed)."""
    dst.mkdir()
    for path in src.glob("*.csv"):
        text = path.read_text(encoding="latin-1")
        if path.name.upper().startswith("PPRRVU"):
            text = text.replace(
                "2026 National Physician Fee Schedule Relative Value File July Release",
                "2027 National Physician Fee Schedule Relative Value File January Release",
            )
            text = text.replace("RELEASED 06/30/2026", "RELEASED 12/15/2026")
            name = "PPRRVU2027_Jan_nonQPP.csv"
        else:
            text = text.replace("2026", "2027")
            name = path.name.replace("2026", "2027").replace("26LOCCO", "27LOCCO")
        (dst / name).write_text(text, encoding="latin-1")


def test_new_year_lines_wait_unpriced_until_the_years_release_is_loaded(
    db: Session,
    make_user: Callable[..., User],
    catalogs: tuple[Catalog, Catalog],
    releases: Releases,
    cms_dir: Path,
    tmp_path: Path,
) -> None:
    """On 1 January, before RVU27A is loaded, the log still takes lines (checked against the latest
    release); loading the year's release prices them."""
    old, _new = catalogs
    user = make_user(locality="01112-05")
    assert old.check_locality("01112-05", NEW_YEAR) == "01112-05"  # the profile can still be saved
    waiting = entries.create_entry(db, user, LineSpec(NEW_YEAR, "99214", (), 1, "11"), old)
    assert (waiting.release, waiting.wrvu, waiting.allowed) == (None, None, None)
    assert waiting.pricing_note is not None and "no 2027 RVU release is loaded" in waiting.pricing_note
    with pytest.raises(InvalidInput):  # a bad code is still refused
        entries.create_entry(db, user, LineSpec(NEW_YEAR, "ZZZZ9", (), 1, "11"), old)
    with pytest.raises(InvalidInput) as before_all:  # a year before every loaded release is an error
        entries.create_entry(db, user, LineSpec(date(1999, 1, 4), "99214", (), 1, "11"), old)
    assert before_all.value.field == "date_of_service"

    year_dir = tmp_path / "cy2027"
    _derive_2027(cms_dir / "pfs_rvu_2026", year_dir)
    loaded = tmp_path / "with-2027.sqlite"
    shutil.copy(releases.before, loaded)
    ingest(loaded, [year_dir])
    with ReferenceDB(loaded) as reference:
        report = sync_releases(db, Catalog(reference))
    assert report.moves == {(None, "RVU27A"): 1}
    db.expire_all()
    assert waiting.release == "RVU27A" and waiting.wrvu == releases.work_26c  # same values, new year
    assert waiting.pricing_note is None
