"""Checks on a public use file before anything is built from it: kind, columns, year, completeness.

Each downloaded or generated file may have a sidecar ``<file>.openrvu.json`` (written by ``fetch`` and
``synth``) with its data year, size, row count, hash and whether it is synthetic.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.schema import (
    OLDER_GENDER_COLUMN,
    PROVIDER_SERVICE_COLUMNS,
    kind_of_header,
    required_columns,
    year_from_filename,
)

SIDECAR_SUFFIX = ".openrvu.json"
_KIND_NAMES = {
    "prov_svc": "by Provider and Service",
    "prov": "by Provider",
    "geo": "by Geography and Service",
}


@dataclass(frozen=True)
class InputFile:
    """A by Provider and Service file that passed the checks."""

    path: Path
    header: tuple[str, ...]
    year: int
    synthetic: bool
    size: int
    expected_rows: int | None

    def describe(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "bytes": self.size,
            "year": self.year,
            "synthetic": self.synthetic,
        }


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar of a data file, or {} when there is none."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchmarkInputError(side, f"unreadable sidecar: {exc}") from exc
    if not isinstance(data, dict):
        raise BenchmarkInputError(side, "sidecar is not a JSON object")
    return data


def write_sidecar(path: Path, data: dict[str, Any]) -> None:
    sidecar_path(path).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_header(path: Path) -> tuple[str, ...]:
    """The header row of a CSV file (BOM removed)."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        row = next(csv.reader(handle), None)
    if not row:
        raise BenchmarkInputError(path, "the file is empty", line=1, expected="a CSV header row")
    return tuple(name.strip() for name in row)


def check_provider_service_file(path: Path, year: int | None) -> InputFile:
    """Check one by Provider and Service file; raise ``BenchmarkInputError`` saying what is wrong."""
    if not path.is_file():
        raise BenchmarkInputError(path, "no such file")
    size = path.stat().st_size
    header = read_header(path)
    kind = kind_of_header(header)
    if kind != "prov_svc":
        what = (
            f"the {_KIND_NAMES[kind]} file" if kind else "not a Medicare Physician & Other Practitioners file"
        )
        missing = [c for c in required_columns("prov_svc") if c not in header]
        raise BenchmarkInputError(
            path,
            f"wrong columns: this is {what}; missing {', '.join(missing)}",
            line=1,
            expected="the by Provider and Service header ("
            + ", ".join(PROVIDER_SERVICE_COLUMNS[:3])
            + ", ...)",
        )
    missing = [c for c in required_columns("prov_svc") if c not in header]
    if missing:
        raise BenchmarkInputError(path, f"missing columns {', '.join(missing)}", line=1)
    unknown = [c for c in header if c not in PROVIDER_SERVICE_COLUMNS and c != OLDER_GENDER_COLUMN]
    if unknown:
        raise BenchmarkInputError(
            path, f"unexpected columns {', '.join(unknown)}", line=1, expected="only the CMS columns"
        )
    side = read_sidecar(path)
    if side.get("bytes") is not None and int(side["bytes"]) != size:
        raise BenchmarkInputError(
            path, f"truncated or changed: {size} bytes, the download/generation recorded {side['bytes']}"
        )
    with path.open("rb") as handle:
        handle.seek(max(0, size - 1))
        last = handle.read(1)
    if last not in (b"\n", b""):
        raise BenchmarkInputError(path, "truncated: the file ends in the middle of a line")
    file_year = side.get("year") or year_from_filename(path.name)
    if year is not None and file_year is not None and int(file_year) != year:
        raise BenchmarkInputError(
            path, f"wrong year: the file holds data year {file_year}", expected=f"data year {year}"
        )
    resolved = year if year is not None else file_year
    if resolved is None:
        raise BenchmarkInputError(path, "cannot tell the data year from the file name; pass --year")
    synthetic = bool(side.get("synthetic")) or "SYNTH" in path.name.upper()
    rows = side.get("rows")
    return InputFile(path, header, int(resolved), synthetic, size, int(rows) if rows is not None else None)
