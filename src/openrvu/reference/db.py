"""Read access to the reference database built by :mod:`openrvu.reference.build`.

One ``ReferenceDB`` per thread or process; lookups of one code are point queries on primary keys with
statements cached by sqlite3, plus small in-memory caches (releases, category statistics) refreshed
whenever another connection commits (``PRAGMA data_version``).
"""

from __future__ import annotations

import sqlite3
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openrvu.cms.models import (
    AnesthesiaCf,
    GpciRow,
    HcpcsLevel2Row,
    LocalityCounties,
    OppsCapRow,
    Release,
    RvuRow,
    SourceFile,
    ZipLocality,
)
from openrvu.cms.release import QUARTER_MONTH, release_name
from openrvu.reference.errors import NoReleaseForDate, ReferenceNotBuilt, UnknownRelease

_RVU_COLUMNS = (
    "hcpcs, modifier, description, status_code, not_used_for_medicare, work_rvu, nonfac_pe_rvu, nonfac_na, "
    "fac_pe_rvu, fac_na, mp_rvu, nonfac_total, fac_total, pctc, global_days, pre_op, intra_op, post_op, "
    "mult_proc, bilat_surg, asst_surg, co_surg, team_surg, pric_ind, endo_base, conv_factor, supervision, "
    "calc_flag, imaging_family, nonfac_pe_opps, fac_pe_opps, mp_opps"
)
_RVU_SELECT = f"SELECT {_RVU_COLUMNS} FROM rvu"
_GPCI_SELECT = (
    "SELECT carrier, locality, state, name, work_gpci, work_gpci_unfloored, pe_gpci, mp_gpci FROM gpci"
)
_ROW_CACHE_SIZE = 100_000
_QUARTER_NAMES = {"A": "January", "B": "April", "C": "July", "D": "October"}


@dataclass(frozen=True, slots=True)
class CategoryStats:
    """Work RVUs of the codes (global rows) of one category in one release."""

    category: str
    codes: int
    zero_work: int
    work_values: tuple[Decimal, ...]  # sorted ascending

    def percentile(self, value: Decimal) -> int:
        """Share of codes with a work RVU at or below ``value``, in whole percent."""
        if not self.work_values:
            return 0
        return round(100 * bisect_right(self.work_values, value) / len(self.work_values))

    def share_below(self, value: Decimal) -> int:
        """Share of codes with a work RVU strictly below ``value``, in whole percent."""
        if not self.work_values:
            return 0
        return round(100 * bisect_left(self.work_values, value) / len(self.work_values))

    @property
    def median(self) -> Decimal:
        """The median work RVU of the category."""
        values, n = self.work_values, len(self.work_values)
        if n == 0:
            return Decimal(0)
        mid = n // 2
        return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def _locality_key(carrier: str, locality: str) -> tuple[str, str]:
    """A carrier-locality as stored: ``"1112", "5"`` -> ``("01112", "05")``."""
    return carrier.strip().zfill(5), locality.strip().zfill(2)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _rvu(r: tuple[Any, ...]) -> RvuRow:
    d = Decimal
    return RvuRow(
        r[0], r[1], r[2], r[3], bool(r[4]), d(r[5]), d(r[6]), bool(r[7]), d(r[8]), bool(r[9]), d(r[10]),
        d(r[11]), d(r[12]), r[13], r[14], d(r[15]), d(r[16]), d(r[17]), r[18], r[19], r[20], r[21], r[22],
        r[23], r[24], d(r[25]), r[26], r[27], r[28], d(r[29]), d(r[30]), d(r[31]),
    )  # fmt: skip


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class ReferenceDB:
    """Lookups on a reference database file (opened read-only)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ReferenceNotBuilt(f"no reference database at {self.path}: run 'openrvu ingest' first")
        self._conn = sqlite3.connect(
            f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, cached_statements=256
        )
        self._lock = threading.RLock()
        self._version = -1
        self._releases: dict[str, Release] = {}
        self._stats: dict[tuple[str, str], CategoryStats | None] = {}
        self._codes: dict[str, list[str]] = {}
        # Stored releases never change, so a row once read stays valid: keep the hot ones in memory.
        self._rows: dict[tuple[str, str, str], RvuRow] = {}

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> ReferenceDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- caches ------------------------------------------------------------------------------------------

    def _fresh(self) -> None:
        """Drop the caches when another connection has committed since we filled them."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            self._releases = self._load_releases()
            self._stats.clear()
            self._codes.clear()

    def _load_releases(self) -> dict[str, Release]:
        try:
            rows = self._conn.execute(
                "SELECT name, year, quarter, effective_date, released_on, title, conv_factor, conv_factor_qp,"
                " rvu_rows FROM release ORDER BY effective_date"
            ).fetchall()
        except sqlite3.OperationalError:
            return {}  # an empty database file: nothing loaded yet
        files = self._conn.execute(
            "SELECT name, kind, sha256, row_count, release, year FROM source_file ORDER BY kind, name"
        ).fetchall()
        yearly = {
            (y, k): s
            for y, k, s in self._conn.execute("SELECT year, kind, sha256 FROM yearly_file").fetchall()
        }
        out: dict[str, Release] = {}
        for name, year, quarter, eff, released, title, cf, cf_qp, count in rows:
            own = [f for f in files if f[4] == name]
            attached = [f for f in files if f[4] is None and yearly.get((year, f[1])) == f[2]]
            out[name] = Release(
                name=name,
                year=year,
                quarter=quarter,
                effective_date=date.fromisoformat(eff),
                released_on=_day(released),
                title=title,
                conv_factor=Decimal(cf),
                conv_factor_qp=_dec(cf_qp),
                rvu_rows=count,
                source_files=tuple(SourceFile(f[0], f[1], f[2], f[3]) for f in [*own, *attached]),
            )
        return out

    # -- releases ----------------------------------------------------------------------------------------

    def releases(self) -> list[Release]:
        """Every loaded release, oldest first."""
        with self._lock:
            self._fresh()
            return list(self._releases.values())

    def release(self, name: str) -> Release:
        """One release by name (``RVU26C``); raises :class:`UnknownRelease`."""
        with self._lock:
            self._fresh()
            found = self._releases.get(name.strip().upper())
            if found is None:
                raise UnknownRelease(name, list(self._releases))
            return found

    def latest_release(self) -> Release:
        """The most recent loaded release; raises :class:`UnknownRelease` when none is loaded."""
        releases = self.releases()
        if not releases:
            raise UnknownRelease("latest", [])
        return releases[-1]

    def release_for_date(self, d: date) -> tuple[Release, list[str]]:
        """The release in force on a date of service, with warnings.

        The latest loaded release effective on or before ``d`` in the same year. When the quarter's own
        release is not loaded, the nearest release of that year is used and a warning names what is missing.
        Raises :class:`NoReleaseForDate` when no release of that year is loaded.
        """
        releases = self.releases()
        same_year = [r for r in releases if r.year == d.year]
        if not same_year:
            raise NoReleaseForDate(d, [r.name for r in releases])
        before = [r for r in same_year if r.effective_date <= d]
        chosen = before[-1] if before else same_year[0]
        quarter = "ABCD"[(d.month - 1) // 3]
        warnings: list[str] = []
        if chosen.quarter != quarter:
            wanted = release_name(d.year, quarter)
            month = _QUARTER_NAMES[quarter]
            starts = f"{d.year}-{QUARTER_MONTH[quarter]:02d}-01"
            warnings.append(
                f"{wanted} ({month} {d.year} release, effective {starts}) is not loaded; "
                f"using {chosen.name} (effective {chosen.effective_date.isoformat()}) for {d.isoformat()}"
            )
        return chosen, warnings

    # -- RVU rows ----------------------------------------------------------------------------------------

    def rvu(self, release: str, hcpcs: str, modifier: str = "") -> RvuRow | None:
        """The PPRRVU row of (HCPCS, modifier) in a release, or ``None``."""
        key = (release, hcpcs.strip().upper(), modifier.strip().upper())
        cached = self._rows.get(key)
        if cached is not None:
            return cached
        with self._lock:
            row = self._conn.execute(
                f"{_RVU_SELECT} WHERE release = ? AND hcpcs = ? AND modifier = ?", key
            ).fetchone()
        if row is None:
            return None
        found = _rvu(row)
        if len(self._rows) >= _ROW_CACHE_SIZE:
            self._rows.clear()
        self._rows[key] = found
        return found

    def rvu_rows(self, release: str, hcpcs: str) -> list[RvuRow]:
        """Every row of a code in a release (global first, then 26, 53, TC)."""
        with self._lock:
            rows = self._conn.execute(
                f"{_RVU_SELECT} WHERE release = ? AND hcpcs = ? ORDER BY modifier",
                (release, hcpcs.strip().upper()),
            ).fetchall()
        return [_rvu(r) for r in rows]

    def iter_rvu(self, release: str) -> Iterator[RvuRow]:
        """Every row of a release, in code order."""
        with self._lock:
            rows = self._conn.execute(
                f"{_RVU_SELECT} WHERE release = ? ORDER BY hcpcs, modifier", (release,)
            ).fetchall()
        return (_rvu(r) for r in rows)

    def codes(self, release: str) -> list[str]:
        """The distinct HCPCS codes of a release, sorted (cached)."""
        with self._lock:
            self._fresh()
            if release not in self._codes:
                self._codes[release] = [
                    r[0]
                    for r in self._conn.execute(
                        "SELECT DISTINCT hcpcs FROM rvu WHERE release = ? ORDER BY hcpcs", (release,)
                    )
                ]
            return self._codes[release]

    def code_history(self, hcpcs: str) -> list[tuple[str, RvuRow]]:
        """(release, global row) of a code in every loaded release that has it, oldest first."""
        out = []
        for rel in self.releases():
            row = self.rvu(rel.name, hcpcs, "")
            if row is not None:
                out.append((rel.name, row))
        return out

    def category_stats(self, release: str, category: str) -> CategoryStats | None:
        """Work RVU statistics of a category in a release (computed at ingest, cached here)."""
        key = (release, category)
        with self._lock:
            self._fresh()
            if key not in self._stats:
                row = self._conn.execute(
                    "SELECT codes, zero_work, work_values FROM category_stats"
                    " WHERE release = ? AND category = ?",
                    key,
                ).fetchone()
                self._stats[key] = (
                    None
                    if row is None
                    else CategoryStats(
                        category, row[0], row[1], tuple(Decimal(v) for v in row[2].split(",") if v)
                    )
                )
            return self._stats[key]

    # -- localities --------------------------------------------------------------------------------------

    def _year(self, release: str) -> int:
        return self.release(release).year

    def gpci(self, release: str, carrier: str, locality: str) -> GpciRow | None:
        """The GPCIs of a locality for the year of a release, or ``None``."""
        year = self._year(release)
        with self._lock:
            row = self._conn.execute(
                _GPCI_SELECT + " WHERE year = ? AND carrier = ? AND locality = ?",
                (year, *_locality_key(carrier, locality)),
            ).fetchone()
        return None if row is None else _gpci(row)

    def localities(self, release: str) -> list[GpciRow]:
        """Every payment locality (GPCI row) for the year of a release."""
        year = self._year(release)
        with self._lock:
            rows = self._conn.execute(
                _GPCI_SELECT + " WHERE year = ? ORDER BY state, name",
                (year,),
            ).fetchall()
        return [_gpci(r) for r in rows]

    def locality_counties(self, release: str, carrier: str, locality: str) -> list[LocalityCounties]:
        """The LOCCO rows of a locality (a locality served by two carriers can have two)."""
        year = self._year(release)
        with self._lock:
            rows = self._conn.execute(
                "SELECT carrier, locality, state, fee_schedule_area, counties FROM locco"
                " WHERE year = ? AND carrier = ? AND locality = ? ORDER BY seq",
                (year, *_locality_key(carrier, locality)),
            ).fetchall()
        return [LocalityCounties(*r) for r in rows]

    def zip_locality(self, zip5: str) -> ZipLocality | None:
        """Carrier and locality of a ZIP code, from the newest ZIP5 vintage loaded."""
        with self._lock:
            row = self._conn.execute(
                "SELECT zip5, state, carrier, locality, rural, vintage FROM zip5 WHERE zip5 = ?"
                " ORDER BY vintage DESC LIMIT 1",
                (zip5.strip()[:5],),
            ).fetchone()
        return None if row is None else ZipLocality(*row)

    def anesthesia_cf(self, release: str, carrier: str, locality: str) -> AnesthesiaCf | None:
        """The anesthesia conversion factor of a locality for the year of a release."""
        year = self._year(release)
        with self._lock:
            row = self._conn.execute(
                "SELECT carrier, locality, name, conv_factor, conv_factor_qp FROM anes"
                " WHERE year = ? AND carrier = ? AND locality = ?",
                (year, *_locality_key(carrier, locality)),
            ).fetchone()
        return None if row is None else AnesthesiaCf(row[0], row[1], row[2], Decimal(row[3]), _dec(row[4]))

    def opps_cap(
        self, release: str, hcpcs: str, modifier: str, carrier: str, locality: str
    ) -> OppsCapRow | None:
        """The OPPS imaging cap of (code, modifier) in a locality for the year of a release."""
        year = self._year(release)
        with self._lock:
            row = self._conn.execute(
                "SELECT hcpcs, modifier, procstat, carrier, locality, fac_price, nonfac_price FROM oppscap"
                " WHERE year = ? AND hcpcs = ? AND modifier = ? AND carrier = ? AND locality = ?",
                (
                    year,
                    hcpcs.strip().upper(),
                    modifier.strip().upper(),
                    *_locality_key(carrier, locality),
                ),
            ).fetchone()
        return (
            None
            if row is None
            else OppsCapRow(row[0], row[1], row[2], row[3], row[4], Decimal(row[5]), Decimal(row[6]))
        )

    # -- HCPCS Level II ----------------------------------------------------------------------------------

    def hcpcs_level2(self, code: str) -> HcpcsLevel2Row | None:
        """The newest HCPCS Level II record of a code (5 characters) or Level II modifier (2 characters)."""
        code = code.strip().upper()
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_L2_COLUMNS} FROM hcpcs2 WHERE hcpcs = ? AND is_modifier = ?"
                " ORDER BY vintage DESC LIMIT 1",
                (code, int(len(code) == 2)),
            ).fetchone()
        return None if row is None else _level2(row)

    def hcpcs_level2_modifiers(self) -> list[HcpcsLevel2Row]:
        """Every Level II modifier of the newest vintage loaded."""
        return [r for r in self.iter_hcpcs_level2() if r.is_modifier]

    def iter_hcpcs_level2(self) -> list[HcpcsLevel2Row]:
        """Every record (codes and modifiers) of the newest HCPCS Level II vintage loaded."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_L2_COLUMNS} FROM hcpcs2 WHERE vintage = (SELECT MAX(vintage) FROM hcpcs2)"
                " ORDER BY is_modifier, hcpcs"
            ).fetchall()
        return [_level2(r) for r in rows]

    def hcpcs_level2_vintage(self) -> str | None:
        """The newest HCPCS Level II vintage loaded (``2025-10``), or ``None``."""
        with self._lock:
            return self._conn.execute("SELECT MAX(vintage) FROM hcpcs2").fetchone()[0]

    def zip5_vintage(self) -> str | None:
        """The newest ZIP5 vintage loaded (``20254``), or ``None``."""
        with self._lock:
            return self._conn.execute("SELECT MAX(vintage) FROM zip5").fetchone()[0]


_L2_COLUMNS = (
    "hcpcs, is_modifier, long_description, short_description, betos, coverage, added, action_effective,"
    " terminated, action_code"
)


def _level2(r: tuple[Any, ...]) -> HcpcsLevel2Row:
    return HcpcsLevel2Row(r[0], bool(r[1]), r[2], r[3], r[4], r[5], _day(r[6]), _day(r[7]), _day(r[8]), r[9])


def _gpci(r: tuple[Any, ...]) -> GpciRow:
    return GpciRow(r[0], r[1], r[2], r[3], Decimal(r[4]), _dec(r[5]), Decimal(r[6]), Decimal(r[7]))
