"""Read an employer's productivity report (CSV or XLSX) for reconciliation against the user's log.

Columns are found by header name (any order, any case, punctuation ignored), with common aliases:
service date (or, failing that, a posting date), CPT/HCPCS code, modifiers (one column or
``modifier 1``..``modifier 4``), units (default 1) and credited wRVU; optionally the paid amount and
a claim status (a status containing "denied" or "rejected" marks the line denied) and the clinician
each line is credited to (rendering provider), for reports that list several.

Only those columns are read. Every other column is skipped cell by cell, and the ones whose header
says they could hold patient data (name, MRN, date of birth, account, ...) are named in the result so
the user sees they were ignored; no value of theirs is kept, echoed in an error, or stored.

A bad file is refused as a whole (``ReportRejected``, each error with its line and column, the
header being line 1 as a spreadsheet shows it); nothing is ever written to the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from openrvu.pricing.modifiers import parse_modifiers
from openrvu.tracker.errors import ImportLineError, ImportRejected, TrackerError
from openrvu.tracker.importer import MAX_LINES, _cell, _date, _read_rows

MAX_ERRORS = 100
HEADER_SEARCH = 20
_MAX_UNITS = 9999
_MAX_WRVU = Decimal(100_000)  # far above any line; bounds keep Decimal arithmetic exact and finite
_MAX_PAID = Decimal(1_000_000_000)

#: Normalised header names (lower case, punctuation as single spaces) of each column we read.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "date of service", "service date", "dos", "date", "svc date", "from date", "from dos",
        "service from date", "date of svc",
    ),
    "posting_date": ("post date", "posting date", "posted date", "date posted", "charge post date"),
    "hcpcs": (
        "cpt", "hcpcs", "code", "cpt code", "hcpcs code", "cpt hcpcs", "hcpcs cpt", "procedure code",
        "proc code", "procedure", "cpt hcpcs code", "service code", "charge code",
    ),
    "modifiers": ("modifiers", "modifier", "mods", "mod", "cpt modifiers", "modifier codes"),
    "units": ("units", "unit", "qty", "quantity", "service units", "svc units", "billed units"),
    "wrvu": (
        "wrvu", "wrvus", "work rvu", "work rvus", "credited wrvu", "credited wrvus", "wrvu credit",
        "wrvu credited", "total wrvu", "total wrvus", "work rvu credit", "wrvu total", "credit wrvu",
    ),
    "paid": (
        "paid", "paid amount", "amount paid", "payment", "payments", "paid amt", "payment amount",
        "total paid", "receipts", "collections",
    ),
    "provider": (
        "rendering provider", "provider", "performing provider", "servicing provider", "rendering physician",
        "physician", "clinician", "credited provider", "provider name", "rendering provider name",
    ),
    "status": (
        "status", "claim status", "denial", "denied", "denial status", "adjudication status",
        "payment status", "line status",
    ),
}  # fmt: skip
_SPLIT_MODS = {f"{prefix} {i}" for prefix in ("modifier", "mod") for i in range(1, 5)} | {
    f"{prefix}{i}" for prefix in ("modifier", "mod") for i in range(1, 5)
}
_REQUIRED = ("date", "hcpcs", "wrvu")
# Headers that could hold patient data: never read. Word-based, so "claim status" is not "claim id".
_PATIENT_DATA = re.compile(
    r"\b(patient|pt|name|first|last|mrn|medical record|record number|dob|birth|age|sex|gender|account|"
    r"acct|ssn|social|address|street|city|state|zip|postal|phone|email|member|subscriber|policy|"
    r"guarantor|insured|encounter|visit|csn|fin|har|claim (id|no|num|number)|invoice|ticket|"
    r"diagnosis|dx|icd)\b"
)
_DENIED = re.compile(r"den(y|ied|ial)|reject", re.IGNORECASE)
_HCPCS = re.compile(r"^[0-9A-Z]{5}$")


class ReportRejected(TrackerError):
    """The employer report cannot be read; nothing was reconciled or stored. ``errors`` lists each problem."""

    def __init__(self, errors: list[ImportLineError]) -> None:
        self.errors = errors
        first = errors[0] if errors else "unreadable report"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One line of the employer's report: only the columns a reconciliation needs."""

    line: int
    date_of_service: date
    hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    wrvu: Decimal
    paid: Decimal | None = None
    status: str | None = None
    provider: str | None = None  # the clinician the report credits the line to, when it says

    @property
    def denied(self) -> bool:
        """True when the claim status says denied or rejected."""
        return bool(self.status and _DENIED.search(self.status))


@dataclass(frozen=True, slots=True)
class EmployerReport:
    """A parsed report: its lines, which header fed each field, and the columns left unread."""

    filename: str
    lines: tuple[ReportLine, ...]
    columns: dict[str, str]
    patient_data_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    summary_lines: int  # lines without a date and a code (subtotals, totals): skipped
    dates_are_posting_dates: bool
    header_line: int = 1  # lines above it (a title, the run date) were skipped

    @property
    def providers(self) -> tuple[str, ...]:
        """The distinct clinicians the report credits lines to (empty without a provider column)."""
        return tuple(sorted({line.provider for line in self.lines if line.provider}))


def norm_header(value: Any) -> str:
    """A header as compared with the aliases: lower case, each run of punctuation or space one space."""
    return re.sub(r"[^a-z0-9]+", " ", str(value or "").lower()).strip()


def _find_columns(header: list[Any]) -> tuple[dict[str, int | tuple[int, ...]], Columns]:
    names = [norm_header(h) for h in header]
    found: dict[str, int | tuple[int, ...]] = {}
    for key, aliases in ALIASES.items():
        # alias order is preference order: "date of service" wins over a plain "date"
        for alias in aliases:
            if alias in names and names.index(alias) not in found.values():
                found[key] = names.index(alias)
                break
    if "modifiers" not in found:
        split = tuple(i for i, n in enumerate(names) if n in _SPLIT_MODS)
        if split:
            found["modifiers"] = split
    posting = False
    if "date" not in found and "posting_date" in found:
        found["date"], posting = found.pop("posting_date"), True
    found.pop("posting_date", None)
    missing = [k for k in _REQUIRED if k not in found]
    if missing:
        expected = "; ".join(f"{k}: one of {', '.join(ALIASES[k][:6])}" for k in missing)
        raise ReportRejected(
            [ImportLineError(1, "header", f"missing column(s) {', '.join(missing)} ({expected})")]
        )
    used = {i for v in found.values() for i in (v if isinstance(v, tuple) else (v,))}
    shown = [str(h).strip() if h not in (None, "") else f"column {i + 1}" for i, h in enumerate(header)]
    unread = [i for i in range(len(header)) if i not in used and header[i] not in (None, "")]
    patient = tuple(shown[i] for i in unread if _PATIENT_DATA.search(names[i]))
    ignored = tuple(shown[i] for i in unread if not _PATIENT_DATA.search(names[i]))
    columns = {
        k: " + ".join(shown[i] for i in v) if isinstance(v, tuple) else shown[v] for k, v in found.items()
    }
    return found, Columns(columns, patient, ignored, posting)


@dataclass(frozen=True, slots=True)
class Columns:
    """Which header feeds each field, and which headers are left unread."""

    used: dict[str, str]
    patient_data: tuple[str, ...]
    ignored: tuple[str, ...]
    posting_dates: bool


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(5)  # a spreadsheet drops the leading zeros of anesthesia codes
    return str(value or "").strip().upper()


def _decimal(value: Any) -> Decimal:
    """A number as a spreadsheet shows it: '1,234.50', '$12.00', '(3.00)' for a negative amount."""
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(",", "").replace("$", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    number = Decimal(text.strip("()"))
    if not number.is_finite():
        raise InvalidOperation
    return -number if negative else number


def _units(value: Any) -> int:
    if _blank(value):
        return 1
    number = _decimal(value)
    if number != number.to_integral_value() or number == 0 or abs(number) > _MAX_UNITS:
        raise InvalidOperation
    return int(number)


def parse_report(filename: str, data: bytes) -> EmployerReport:
    """Read every line of an employer report; ``ReportRejected`` lists the bad lines (nothing is kept)."""
    try:
        return _parse(filename, data)
    except ImportRejected as exc:  # the shared reader's file-level errors (size, encoding, XLSX)
        raise ReportRejected(exc.errors) from None


def _header(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, dict[str, int | tuple[int, ...]], Columns]:
    """The header line: the first line naming the required columns, within the first ``HEADER_SEARCH``
    lines (exports often start with a title or the run date). Else the first non-blank line's error."""
    first: ReportRejected | None = None
    for number, row in rows:
        if all(_blank(h) for h in row):
            continue
        try:
            return (number, *_find_columns(list(row)))
        except ReportRejected as exc:
            first = first or exc
        if number >= HEADER_SEARCH:
            break
    raise first or ReportRejected([ImportLineError(1, "header", "the file is empty: expected a header line")])


def _parse(filename: str, data: bytes) -> EmployerReport:
    rows = enumerate(_read_rows(filename, data), start=1)
    header_line, cols, info = _header(rows)
    lines: list[ReportLine] = []
    errors: list[ImportLineError] = []
    summary = 0
    for number, row in rows:
        if all(_blank(v) for v in row):
            continue
        if len(lines) >= MAX_LINES:
            raise ReportRejected([ImportLineError(number, "file", f"more than {MAX_LINES} lines: split it")])
        raw_date, raw_code = _cell(row, cols["date"]), _cell(row, cols["hcpcs"])
        if _blank(raw_date) and _blank(raw_code):
            summary += 1  # a subtotal or total line of the report
            continue
        parsed = _line(number, row, cols, info.used, raw_date, raw_code, errors)
        if parsed is not None:
            lines.append(parsed)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ReportRejected(errors)
    if not lines:
        raise ReportRejected(
            [ImportLineError(header_line + 1, "file", "the report has a header but no lines")]
        )
    return EmployerReport(
        filename,
        tuple(lines),
        info.used,
        info.patient_data,
        info.ignored,
        summary,
        info.posting_dates,
        header_line,
    )


def _line(
    number: int,
    row: list[Any],
    cols: dict[str, int | tuple[int, ...]],
    names: dict[str, str],
    raw_date: Any,
    raw_code: Any,
    errors: list[ImportLineError],
) -> ReportLine | None:
    """One data line, or None after adding its errors (messages quote only the columns we read)."""
    before = len(errors)

    def bad(field: str, message: str) -> None:
        errors.append(ImportLineError(number, names[field], message))

    day = _date(raw_date)
    if isinstance(day, str):
        try:
            # a date-time cell written as text ("2026-08-03 00:00:00") keeps its date
            day = date.fromisoformat(re.sub(r"^(\d{4}-\d{2}-\d{2})[ T][0-9:.]*$", r"\1", day.strip()))
        except ValueError:
            bad("date", "expected a date as YYYY-MM-DD or MM/DD/YYYY")
    code = _code(raw_code)
    if not _HCPCS.match(code):
        bad("hcpcs", "expected a 5-character CPT/HCPCS code, e.g. 99213 or G0320")
    mods: tuple[str, ...] = ()
    if "modifiers" in cols:
        try:
            mods = tuple(sorted(parse_modifiers(str(_cell(row, cols["modifiers"]) or ""))))
        except (TypeError, AttributeError):
            mods = ()
        if any(len(m) != 2 or not m.isalnum() for m in mods) or len(mods) > 4:
            bad("modifiers", "expected up to 4 two-character modifiers, e.g. 26 or 25 59")
    units = 1
    if "units" in cols:
        try:
            units = _units(_cell(row, cols["units"]))
        except (InvalidOperation, ValueError):
            bad("units", f"expected a whole number of units from -{_MAX_UNITS} to {_MAX_UNITS}, not 0")
    status = None
    if "status" in cols and not _blank(raw_status := _cell(row, cols["status"])):
        status = str(raw_status).strip()[:40]
    raw_wrvu = _cell(row, cols["wrvu"])
    wrvu = Decimal(0)
    if _blank(raw_wrvu):
        if not (status and _DENIED.search(status)):
            bad("wrvu", "expected the credited wRVU (write 0 when nothing was credited)")
    else:
        try:
            wrvu = _decimal(raw_wrvu)
            if abs(wrvu) > _MAX_WRVU:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            bad("wrvu", f"expected a number of wRVU (at most {_MAX_WRVU:,}), e.g. 1.92")
    provider = None
    if "provider" in cols and not _blank(raw_provider := _cell(row, cols["provider"])):
        provider = " ".join(str(raw_provider).split())[:80]
    paid = None
    if "paid" in cols and not _blank(raw_paid := _cell(row, cols["paid"])):
        try:
            paid = _decimal(raw_paid)
            if abs(paid) > _MAX_PAID:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            bad("paid", "expected an amount, e.g. 123.45")
    if len(errors) > before or not isinstance(day, date):
        return None
    return ReportLine(number, day, code, mods, units, wrvu, paid, status, provider)
