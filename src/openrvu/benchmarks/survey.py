"""Survey benchmarks the user owns (MGMA, AMGA, SullivanCotter...): read and check a CSV of percentiles.

openrvu never ships survey data. The rows are the user's, typed in or imported from their own licensed
copy, and are stored by the tracker (``openrvu.tracker.surveys``) beside their account. This module only
reads and validates the file, all rows before any is stored, so an import is all-or-nothing.

Columns (header names, any order, case-insensitive): ``source, year, specialty, metric, p10, p25, p50,
p75, p90``; ``metric`` is one of ``wrvu``, ``compensation``, ``comp_per_wrvu``; blank percentiles are
allowed but at least one is needed, and the given ones must rise.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openrvu.benchmarks.errors import BenchmarkInputError

METRICS = ("wrvu", "compensation", "comp_per_wrvu")
PERCENTILES = ("p10", "p25", "p50", "p75", "p90")
COLUMNS = ("source", "year", "specialty", "metric", *PERCENTILES)


@dataclass(frozen=True)
class SurveyRow:
    """One checked row: the percentiles of a survey for a specialty, metric and year."""

    line: int
    source: str
    year: int
    specialty: str
    metric: str
    percentiles: dict[str, Decimal | None]


def read_survey_csv(path: Path) -> list[SurveyRow]:
    """Every row of a survey CSV, checked; raises ``BenchmarkInputError`` naming each bad line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkInputError(path, f"cannot read the file: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("source", "year", "specialty", "metric") if c not in header]
    if missing or not any(p in header for p in PERCENTILES):
        raise BenchmarkInputError(
            path, f"missing columns {', '.join(missing) or 'p10..p90'}", line=1, expected=", ".join(COLUMNS)
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise BenchmarkInputError(
            path, f"unknown columns {', '.join(unknown)}", line=1, expected=", ".join(COLUMNS)
        )
    rows: list[SurveyRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for raw in reader:
        number = reader.line_num
        if None in raw:
            problems.append(
                f"line {number}: {len(header) + len(raw[None])} fields, the header has {len(header)}"
            )
            continue
        record = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            row = _row(number, record)
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        key = (row.source.lower(), row.year, row.specialty.lower(), row.metric)
        if key in seen:
            problems.append(f"line {number}: repeats line {seen[key]} (same source, year, specialty, metric)")
            continue
        seen[key] = number
        rows.append(row)
    if problems:
        raise BenchmarkInputError(path, "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else ""))
    if not rows:
        raise BenchmarkInputError(path, "no rows after the header", line=2)
    return rows


def _row(number: int, record: dict[str, str]) -> SurveyRow:
    source, specialty, metric = (
        record.get("source", ""),
        record.get("specialty", ""),
        record.get("metric", ""),
    )
    if not 1 <= len(source) <= 32:
        raise ValueError("column source: name the survey (e.g. MGMA), 1 to 32 characters")
    if not 1 <= len(specialty) <= 100:
        raise ValueError("column specialty: 1 to 100 characters")
    if metric.lower() not in METRICS:
        raise ValueError(f"column metric: {metric!r} is not one of {', '.join(METRICS)}")
    try:
        year = int(record.get("year", ""))
    except ValueError:
        raise ValueError(f"column year: {record.get('year')!r} is not a year such as 2025") from None
    if not 1990 <= year <= 2100:
        raise ValueError(f"column year: {year} is not a year such as 2025")
    values: dict[str, Decimal | None] = {}
    for key in PERCENTILES:
        text = record.get(key, "").replace(",", "").lstrip("$")
        if not text:
            values[key] = None
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"column {key}: {record.get(key)!r} is not a number") from None
        if not value.is_finite() or value < 0:
            raise ValueError(f"column {key}: must be a number of 0 or more")
        values[key] = value
    given = [(k, v) for k, v in values.items() if v is not None]
    if not given:
        raise ValueError("give at least one of p10, p25, p50, p75, p90")
    for (k1, v1), (k2, v2) in zip(given, given[1:], strict=False):
        if v2 < v1:
            raise ValueError(f"column {k2}: {v2} is below {k1} {v1}; percentiles rise")
    return SurveyRow(number, source, year, specialty, metric.lower(), values)
