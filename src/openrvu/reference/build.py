"""Build the reference database from CMS files: ``ingest(db_path, paths)``.

Everything is parsed before the database is touched, and the whole load is one transaction, so a bad
file leaves the database exactly as it was. A file already loaded (same sha256) changes nothing.
PPRRVU files make releases (stored once, never changed); GPCI, LOCCO, ANES and OPPSCAP files attach to
the releases of their calendar year; ZIP5 and HCPCS Level II tables keep their own vintage.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

from openrvu.cms import discover as kinds
from openrvu.cms.anes import AnesFile
from openrvu.cms.counties import LoccoFile
from openrvu.cms.discover import CmsInput, Discovery, Parsed, discover, parse
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.gpci import GpciFile
from openrvu.cms.hcpcs2 import HcpcsFile
from openrvu.cms.models import RvuRow
from openrvu.cms.opps_cap import OppsCapFile
from openrvu.cms.release import year_from_names
from openrvu.cms.rvu_file import PprrvuFile
from openrvu.cms.zip5 import Zip5File
from openrvu.reference.categories import category_of

Progress = Callable[[str, int, int], None]

LOADED = "loaded"
UNCHANGED = "unchanged"
REPLACED = "replaced"
SKIPPED = "skipped"

# Store order: releases first (yearly files look up the years present), non-QP before QP variants.
_ORDER = [kinds.PPRRVU, kinds.GPCI, kinds.LOCCO, kinds.ANES, kinds.OPPSCAP, kinds.ZIP5, kinds.HCPCS2]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one file."""

    name: str
    kind: str
    status: str  # loaded, unchanged, replaced, skipped
    detail: str
    rows: int = 0


@dataclass
class IngestReport:
    """The result of :func:`ingest`: one outcome per file found, and the time it took."""

    db_path: Path
    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the database changed."""
        return any(f.status in (LOADED, REPLACED) for f in self.files)

    def by_status(self, status: str) -> list[FileOutcome]:
        """The outcomes with one status."""
        return [f for f in self.files if f.status == status]


def schema_sql() -> str:
    """The reference schema (``schema.sql`` beside this module)."""
    return resources.files("openrvu.reference").joinpath("schema.sql").read_text(encoding="utf-8")


def ingest(db_path: Path, paths: Sequence[Path], *, progress: Progress | None = None) -> IngestReport:
    """Load every CMS file under ``paths`` into the SQLite file ``db_path`` (created when missing).

    Raises :class:`CmsFormatError` for a bad file; the database is then left exactly as it was.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    report = IngestReport(db_path)
    found = discover([Path(p) for p in paths])
    items = sorted(
        (i for i in found.inputs if i.kind in _ORDER),
        key=lambda i: (_ORDER.index(i.kind), "QPP" in i.name.upper().replace("NONQPP", "")),
    )
    known = _known_files(db_path)
    for item in [i for i in items if i.sha256 in known]:
        report.files.append(
            FileOutcome(item.display, item.kind, UNCHANGED, f"already loaded (from {known[item.sha256]})")
        )
    items = [i for i in items if i.sha256 not in known]
    total = 2 * len(items)
    parsed: list[tuple[CmsInput, Parsed]] = []
    for step, item in enumerate(items):
        if progress:
            progress(f"reading {item.name}", step, total)
        parsed.append((item, parse(item)))
    if not parsed:
        _finish(report, found, started)
        return report
    existed = db_path.exists()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        # DDL inside the transaction too, so a failed first load leaves no half-made database.
        # (The schema has no ";" except between statements.)
        for statement in schema_sql().split(";"):
            if statement.strip():
                conn.execute(statement)
        store = _Store(conn, parsed)
        for step, (item, result) in enumerate(parsed, start=len(items)):
            if progress:
                progress(f"storing {item.name}", step, total)
            report.files.append(store.add(item, result))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
        if not existed:
            db_path.unlink(missing_ok=True)
        raise
    conn.close()
    _finish(report, found, started)
    if progress:
        progress("done", total, total)
    return report


def _known_files(db_path: Path) -> dict[str, str]:
    """sha256 -> file name of every file the database already holds (empty when there is no database)."""
    if not db_path.exists():
        return {}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT sha256, name FROM source_file").fetchall())
    except sqlite3.DatabaseError:
        return {}  # not built yet (no table) or not our file: the load itself will say so
    finally:
        conn.close()


def _finish(report: IngestReport, found: Discovery, started: float) -> None:
    for item in found.inputs:
        if item.kind == kinds.PAYMENT_AMOUNTS:
            report.files.append(
                FileOutcome(
                    item.display, item.kind, SKIPPED, "payment amount file: read by the pricing checks"
                )
            )
    for name, reason in found.skipped:
        report.files.append(FileOutcome(name, "", SKIPPED, reason))
    report.seconds = time.perf_counter() - started


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def rvu_values(release: str, r: RvuRow) -> tuple[object, ...]:
    """One PPRRVU row as the ``rvu`` table stores it."""
    return (
        release,
        r.hcpcs,
        r.modifier,
        r.description,
        r.status_code,
        int(r.not_used_for_medicare),
        str(r.work_rvu),
        str(r.nonfac_pe_rvu),
        int(r.nonfac_na),
        str(r.fac_pe_rvu),
        int(r.fac_na),
        str(r.mp_rvu),
        str(r.nonfac_total),
        str(r.fac_total),
        r.pctc,
        r.global_days,
        str(r.pre_op),
        str(r.intra_op),
        str(r.post_op),
        r.mult_proc,
        r.bilat_surg,
        r.asst_surg,
        r.co_surg,
        r.team_surg,
        r.pric_ind,
        r.endo_base,
        str(r.conv_factor),
        r.supervision,
        r.calc_flag,
        r.imaging_family,
        str(r.nonfac_pe_opps),
        str(r.fac_pe_opps),
        str(r.mp_opps),
    )


class _Store:
    """Writes parsed files inside the open transaction, deciding loaded / unchanged / replaced / skipped."""

    def __init__(self, conn: sqlite3.Connection, parsed: list[tuple[CmsInput, Parsed]]) -> None:
        self.conn = conn
        self.now = datetime.now(UTC).isoformat(timespec="seconds")
        # The year of each bundle (folder or zip) from its PPRRVU file: OPPSCAP and ANES do not name one.
        self.bundle_year = {
            item.container: result.release.year for item, result in parsed if isinstance(result, PprrvuFile)
        }

    def add(self, item: CmsInput, result: Parsed) -> FileOutcome:
        known = self.conn.execute("SELECT name FROM source_file WHERE sha256 = ?", (item.sha256,)).fetchone()
        if known:
            return FileOutcome(item.display, item.kind, UNCHANGED, f"already loaded (from {known[0]})")
        if isinstance(result, PprrvuFile):
            return self._release(item, result)
        if isinstance(result, Zip5File):
            return self._vintage(item, "zip5", result.vintage, len(result.rows), self._zip5_rows(result))
        if isinstance(result, HcpcsFile):
            return self._vintage(item, "hcpcs2", result.vintage, len(result.rows), self._hcpcs_rows(result))
        return self._yearly(item, result)

    def _source(
        self,
        item: CmsInput,
        rows: int,
        *,
        release: str | None = None,
        year: int | None = None,
        vintage: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (item.sha256, item.name, item.kind, rows, release, year, vintage, self.now),
        )

    def _release(self, item: CmsInput, f: PprrvuFile) -> FileOutcome:
        rel = f.release
        held = self.conn.execute(
            "SELECT conv_factor_qp,"
            " (SELECT name FROM source_file WHERE release = r.name AND kind = 'pprrvu')"
            " FROM release r WHERE name = ?",
            (rel.name,),
        ).fetchone()
        if held is not None:
            if f.qp_variant and held[0] is None:
                self.conn.execute(
                    "UPDATE release SET conv_factor_qp = ? WHERE name = ?", (str(f.conv_factor), rel.name)
                )
                self._source(item, len(f.rows), release=rel.name)
                return FileOutcome(
                    item.display,
                    item.kind,
                    LOADED,
                    f"{rel.name}: qualifying APM conversion factor {f.conv_factor} added",
                    len(f.rows),
                )
            return FileOutcome(
                item.display,
                item.kind,
                SKIPPED,
                f"{rel.name} is already loaded from {held[1]}; a release is stored once, never changed",
            )
        self.conn.execute(
            "INSERT INTO release VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rel.name,
                rel.year,
                rel.quarter,
                rel.effective_date.isoformat(),
                rel.released_on.isoformat() if rel.released_on else None,
                rel.title,
                str(f.conv_factor),
                str(f.conv_factor) if f.qp_variant else None,
                len(f.rows),
                "|".join(f.columns),
            ),
        )
        self.conn.executemany(
            f"INSERT INTO rvu VALUES ({', '.join('?' * 33)})", [rvu_values(rel.name, r) for r in f.rows]
        )
        self.conn.executemany(
            "INSERT INTO category_stats VALUES (?, ?, ?, ?, ?)", _category_stats(rel.name, f.rows)
        )
        self._source(item, len(f.rows), release=rel.name)
        return FileOutcome(
            item.display,
            item.kind,
            LOADED,
            f"{rel.name} ({rel.effective_date:%B %Y}), CF {f.conv_factor}",
            len(f.rows),
        )

    def _yearly(self, item: CmsInput, result: Parsed) -> FileOutcome:
        year = (
            getattr(result, "year", None)
            or self.bundle_year.get(item.container)
            or year_from_names(*item.names)
        )
        if year is None:
            raise CmsFormatError(
                item.display,
                "cannot tell which calendar year this file is for",
                expected="a year in the file, its name or its folder (e.g. ANES2025, rvu25d)",
            )
        table, rows = self._yearly_rows(year, result)
        previous = self.conn.execute(
            "SELECT s.name FROM yearly_file y JOIN source_file s USING (sha256)"
            " WHERE y.year = ? AND y.kind = ?",
            (year, item.kind),
        ).fetchone()
        if previous:
            self.conn.execute(f"DELETE FROM {table} WHERE year = ?", (year,))
        self.conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        self.conn.execute(
            "INSERT OR REPLACE INTO yearly_file VALUES (?, ?, ?)", (year, item.kind, item.sha256)
        )
        self._source(item, len(rows), year=year)
        if previous:
            return FileOutcome(
                item.display, item.kind, REPLACED, f"{year} table (was from {previous[0]})", len(rows)
            )
        return FileOutcome(item.display, item.kind, LOADED, f"for {year}", len(rows))

    @staticmethod
    def _yearly_rows(year: int, result: Parsed) -> tuple[str, list[tuple[object, ...]]]:
        if isinstance(result, GpciFile):
            return "gpci", [
                (
                    year,
                    r.carrier,
                    r.locality,
                    r.state,
                    r.name,
                    str(r.work_gpci),
                    _text(r.work_gpci_unfloored),
                    str(r.pe_gpci),
                    str(r.mp_gpci),
                )
                for r in result.rows
            ]
        if isinstance(result, LoccoFile):
            return "locco", [
                (year, i, r.carrier, r.locality, r.state, r.fee_schedule_area, r.counties)
                for i, r in enumerate(result.rows)
            ]
        if isinstance(result, AnesFile):
            return "anes", [
                (year, r.carrier, r.locality, r.name, str(r.conv_factor), _text(r.conv_factor_qp))
                for r in result.rows
            ]
        if isinstance(result, OppsCapFile):
            return "oppscap", [
                (
                    year,
                    r.hcpcs,
                    r.modifier,
                    r.carrier,
                    r.locality,
                    r.procstat,
                    str(r.fac_price),
                    str(r.nonfac_price),
                )
                for r in result.rows
            ]
        raise TypeError(f"not a yearly file: {type(result).__name__}")  # pragma: no cover - kinds are closed

    def _vintage(
        self, item: CmsInput, table: str, vintage: str, count: int, rows: list[tuple[object, ...]]
    ) -> FileOutcome:
        held = self.conn.execute(
            "SELECT name FROM source_file WHERE kind = ? AND vintage = ?", (item.kind, vintage)
        ).fetchone()
        if held:
            return FileOutcome(
                item.display, item.kind, SKIPPED, f"vintage {vintage} is already loaded from {held[0]}"
            )
        self.conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        self._source(item, count, vintage=vintage)
        return FileOutcome(item.display, item.kind, LOADED, f"vintage {vintage}", count)

    @staticmethod
    def _zip5_rows(f: Zip5File) -> list[tuple[object, ...]]:
        return [(f.vintage, r.zip5, r.state, r.carrier, r.locality, r.rural) for r in f.rows]

    @staticmethod
    def _hcpcs_rows(f: HcpcsFile) -> list[tuple[object, ...]]:
        def day(d: object) -> str | None:
            return None if d is None else str(d)

        return [
            (
                f.vintage,
                r.hcpcs,
                int(r.is_modifier),
                r.long_description,
                r.short_description,
                r.betos,
                r.coverage,
                day(r.added),
                day(r.action_effective),
                day(r.terminated),
                r.action_code,
            )
            for r in f.rows
        ]


def _category_stats(release: str, rows: list[RvuRow]) -> list[tuple[object, ...]]:
    """Per category of the release: codes, codes with zero work RVU, and the sorted work RVUs."""
    work: dict[str, list[Decimal]] = defaultdict(list)
    for r in rows:
        if r.modifier == "":
            work[category_of(r.hcpcs).name].append(r.work_rvu)
    out: list[tuple[object, ...]] = []
    for name, values in work.items():
        values.sort()
        out.append((release, name, len(values), sum(1 for v in values if v == 0), ",".join(map(str, values))))
    return out
