"""Read the built benchmark tables (the small SQLite file of one data year), for the CLI, web and PDF.

A store may be shared by threads (a web server's workers): its queries are serialised by a lock, and each
is a point query on an index, well under a millisecond.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from openrvu.benchmarks.build import STORE_NAME
from openrvu.benchmarks.errors import BenchmarksNotBuilt
from openrvu.benchmarks.meta import BuildMeta


class UnknownSpecialty(LookupError):
    """A specialty the benchmark tables do not have; ``closest`` holds the likely meant names."""

    def __init__(self, name: str, closest: list[str]) -> None:
        self.name = name
        self.closest = closest
        hint = f"; did you mean {', '.join(closest)}?" if closest else ""
        super().__init__(f"no specialty {name!r} in the benchmark tables{hint}")


def built_years(benchmarks_dir: Path) -> list[int]:
    """The data years with built tables, oldest first."""
    if not benchmarks_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in benchmarks_dir.iterdir() if p.name.isdigit() and (p / STORE_NAME).is_file()
    )


class BenchmarkStore:
    """The benchmark tables of one data year, opened read-only."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise BenchmarksNotBuilt(f"no benchmark tables at {path}: run `openrvu benchmarks build` first")
        self.path = path
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        rows = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
        self.meta = BuildMeta.from_dict(json.loads(rows["build"]))
        self.caveats: list[str] = json.loads(rows["caveats"])
        self._specialties = [r[0] for r in self.con.execute("SELECT specialty FROM specialty_summary")]

    @classmethod
    def open(cls, benchmarks_dir: Path, year: int | None = None) -> BenchmarkStore:
        """The tables of ``year``, or of the latest built year."""
        years = built_years(benchmarks_dir)
        if not years:
            raise BenchmarksNotBuilt(
                f"no benchmark tables in {benchmarks_dir}: run `openrvu benchmarks build` (or `synth` first)"
            )
        chosen = year if year is not None else years[-1]
        if chosen not in years:
            raise BenchmarksNotBuilt(
                f"no benchmark tables for {chosen} (built: {', '.join(map(str, years))})"
            )
        return cls(benchmarks_dir / str(chosen) / STORE_NAME)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> BenchmarkStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.con.execute(sql, args).fetchall()

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self.con.execute(sql, args).fetchone()
            return row

    @property
    def synthetic(self) -> bool:
        return self.meta.synthetic

    def specialties(self) -> list[str]:
        return sorted(self._specialties)

    def specialty(self, name: str) -> str:
        """The stored spelling of a specialty name (case-insensitive); raises ``UnknownSpecialty``."""
        for known in self._specialties:
            if known.lower() == name.strip().lower():
                return known
        from rapidfuzz import process

        closest = [m[0] for m in process.extract(name, self._specialties, limit=3, score_cutoff=60)]
        raise UnknownSpecialty(name, closest)

    def summary(self, specialty: str) -> dict[str, Any]:
        """Providers and p10/p25/p50/p75/p90 of annual wRVUs in a specialty."""
        row = self._one("SELECT * FROM specialty_summary WHERE specialty = ?", (self.specialty(specialty),))
        return dict(row) if row else {}

    def quantiles(self, specialty: str) -> list[tuple[int, float]]:
        """The fine quantile table of a specialty: (percentile 0..100, wRVU)."""
        rows = self._all(
            "SELECT pct, wrvu FROM specialty_quantiles WHERE specialty = ? ORDER BY pct",
            (self.specialty(specialty),),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    def percentile_of(self, specialty: str, wrvu: float) -> int:
        """The highest percentile whose wRVU value is at or below ``wrvu`` (0 when below the minimum)."""
        row = self._one(
            "SELECT MAX(pct) FROM specialty_quantiles WHERE specialty = ? AND wrvu <= ?",
            (self.specialty(specialty), float(wrvu)),
        )
        return int(row[0]) if row and row[0] is not None else 0

    def em_mix(self, specialty: str) -> list[dict[str, Any]]:
        """The specialty's E/M level mix: family, level, code, services, share of the family."""
        rows = self._all(
            "SELECT family, family_name, level, hcpcs, services, providers, share FROM em_mix "
            "WHERE specialty = ? ORDER BY family, level",
            (self.specialty(specialty),),
        )
        return [dict(r) for r in rows]

    def code(self, hcpcs: str) -> dict[str, Any] | None:
        """National figures of a code, or None when no line billed it."""
        row = self._one("SELECT * FROM code_stats WHERE hcpcs = ?", (hcpcs.strip().upper(),))
        return dict(row) if row else None

    def code_specialties(self, hcpcs: str, limit: int = 10) -> list[dict[str, Any]]:
        """The specialties that bill a code, largest share first."""
        rows = self._all(
            "SELECT specialty, services, providers, share, median_provider_services FROM code_specialties "
            "WHERE hcpcs = ? ORDER BY share DESC, specialty LIMIT ?",
            (hcpcs.strip().upper(), limit),
        )
        return [dict(r) for r in rows]

    def code_specialty(self, hcpcs: str, specialty: str) -> dict[str, Any] | None:
        """One specialty's figures for a code (median volume of its providers who bill it)."""
        row = self._one(
            "SELECT specialty, services, providers, share, median_provider_services FROM code_specialties "
            "WHERE hcpcs = ? AND specialty = ?",
            (hcpcs.strip().upper(), self.specialty(specialty)),
        )
        return dict(row) if row else None

    def categories(self) -> list[dict[str, Any]]:
        """Every category's rollup, largest by services first."""
        return [dict(r) for r in self._all("SELECT * FROM category_stats ORDER BY services DESC")]

    def category_specialties(self, category: str, limit: int = 10) -> list[dict[str, Any]]:
        """The specialties that bill a category, largest share first."""
        rows = self._all(
            "SELECT specialty, services, providers, share FROM category_specialties WHERE category = ? "
            "ORDER BY share DESC, specialty LIMIT ?",
            (category, limit),
        )
        return [dict(r) for r in rows]

    def table_rows(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of one output table (for exports)."""
        with self._lock:
            cursor = self.con.execute(f'SELECT * FROM "{table}"')
            return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]
