"""Import log lines from a CSV or XLSX file: a preview with every bad line named, then an
all-or-nothing commit in one transaction.

Columns are found by header name (any order, any case): date (``date``, ``date_of_service``, ``dos``,
``service_date``), code (``hcpcs``, ``code``, ``cpt``), modifiers (``modifiers``, ``modifier``,
``mods``; or ``modifier1``..``modifier4``), ``units`` (default 1) and place of service (``pos``,
``place_of_service``; default: the profile's). Dates as YYYY-MM-DD or MM/DD/YYYY (or Excel dates).
Line numbers count the header as line 1, as a spreadsheet shows them.

Encounters (the lines priced together: multiple-procedure ranking, bilateral pairs): an optional
column ``encounter`` (or ``encounter_id``, ``visit``, ``visit_id``, ``case``, ``case_id``) groups the
lines of a date that share a value into one encounter; a blank cell is a line alone. The value itself
is never stored: each group gets a fresh random token, because an EHR encounter or case number can
identify a patient. Without the column every line is its own encounter: nothing in such a file says
which lines were one patient, and pricing two patients' procedures together would cut the credit of
all but one (the whole-date rule of earlier versions did); group them with the column to rank them.
Imported lines never join the encounters already in the log.

Each line's idempotency key is derived from the file's content and the line number, so committing
the same file twice (a double click, a retry) adds nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from openrvu.tracker import audit
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.entries import EntryForm, new_encounter, new_entry, parse_entry, reprice_days, snapshot
from openrvu.tracker.errors import FormErrors, ImportLineError, ImportRejected, InvalidInput
from openrvu.tracker.models import AuditLog, LogEntry, User, utcnow

MAX_BYTES = 10 * 1024 * 1024
MAX_LINES = 50_000
ALIASES = {
    "date": ("date", "date_of_service", "dos", "service_date", "date of service", "service date"),
    "hcpcs": ("hcpcs", "code", "cpt", "hcpcs_code", "cpt_code", "cpt/hcpcs"),
    "modifiers": ("modifiers", "modifier", "mods", "mod"),
    "units": ("units", "unit", "qty", "quantity"),
    "pos": ("pos", "place_of_service", "place of service"),
    "encounter": ("encounter", "encounter_id", "encounter id", "visit", "visit_id", "case", "case_id"),
}
_SPLIT_MODS = tuple(f"modifier{i}" for i in range(1, 5)) + tuple(f"modifier {i}" for i in range(1, 5))


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data line of the file: its number, the parsed line when valid, and its wRVU when priced
    (alone: the lines of one encounter are ranked together when committed). ``group`` numbers the
    file's encounters (None: the line is alone); the file's own encounter value is not kept."""

    line: int
    spec: LineSpec | None
    wrvu: Decimal | None
    allowed: Decimal | None
    errors: tuple[ImportLineError, ...]
    group: int | None = None


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What a commit would do: every row, every error, and the totals of the valid rows."""

    filename: str
    digest: str
    rows: tuple[ImportRow, ...]
    errors: tuple[ImportLineError, ...]
    already_imported: int

    @property
    def ok(self) -> bool:
        """True when the file can be committed (no errors, at least one line)."""
        return not self.errors and bool(self.rows)


def _norm(header: Any) -> str:
    return re.sub(r"\s+", " ", str(header or "").strip().lower()).replace("-", "_")


def _read_rows(filename: str, data: bytes) -> Iterator[list[Any]]:
    if len(data) > MAX_BYTES:
        raise ImportRejected(
            [ImportLineError(0, "file", f"the file is over {MAX_BYTES // (1024 * 1024)} MB")]
        )
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        yield from _xlsx_rows(data)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [
                ImportLineError(
                    text_line(data, exc.start), "file", "the file is not UTF-8 text (save it as CSV UTF-8)"
                )
            ]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def text_line(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        raise ImportRejected([ImportLineError(0, "file", "not a readable XLSX workbook")]) from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def _columns(header: list[Any]) -> dict[str, int | tuple[int, ...]]:
    names = [_norm(h) for h in header]
    found: dict[str, int | tuple[int, ...]] = {}
    for key, aliases in ALIASES.items():
        for i, name in enumerate(names):
            if name in aliases or name.replace("_", " ") in aliases:
                found[key] = i
                break
    if "modifiers" not in found:
        split = tuple(
            i for i, n in enumerate(names) if n in _SPLIT_MODS or n.replace("_", " ") in _SPLIT_MODS
        )
        if split:
            found["modifiers"] = split
    missing = [k for k in ("date", "hcpcs") if k not in found]
    if missing:
        expected = "; ".join(f"{k}: one of {', '.join(ALIASES[k])}" for k in missing)
        raise ImportRejected(
            [ImportLineError(1, "header", f"missing column(s) {', '.join(missing)} ({expected})")]
        )
    return found


def _date(value: Any) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            return text
    return text


def _cell(row: list[Any], index: int | tuple[int, ...] | None) -> Any:
    if index is None:
        return None
    if isinstance(index, tuple):
        return " ".join(str(row[i]).strip() for i in index if i < len(row) and row[i] not in (None, ""))
    return row[index] if index < len(row) else None


def _group_value(value: Any) -> str:
    """The text of an encounter cell ('' when blank); Excel gives 12.0 for a typed 12."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


def _units(value: Any) -> Any:
    if value in (None, ""):
        return 1
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def preview_import(
    session: Session, user: User, filename: str, data: bytes, catalog: Catalog, *, today: date | None = None
) -> ImportPreview:
    """Parse and validate every line (nothing is written); each bad line gets its errors."""
    digest = hashlib.sha256(data).hexdigest()
    rows = _read_rows(filename, data)
    header = next(rows, None)
    if header is None or not any(h not in (None, "") for h in header):
        raise ImportRejected([ImportLineError(1, "header", "the file is empty: expected a header line")])
    cols = _columns(header)
    out: list[ImportRow] = []
    errors: list[ImportLineError] = []
    groups: dict[tuple[date, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        if len(out) >= MAX_LINES:
            raise ImportRejected(
                [ImportLineError(number, "file", f"more than {MAX_LINES} lines: split the file")]
            )
        form = EntryForm(
            _date(_cell(row, cols["date"])),
            str(_cell(row, cols["hcpcs"]) or ""),
            str(_cell(row, cols.get("modifiers")) or ""),
            _units(_cell(row, cols.get("units"))),
            str(_cell(row, cols.get("pos")) or "").strip() or None,
        )
        line_errors: list[ImportLineError] = []
        spec = wrvu = allowed = None
        try:
            spec = parse_entry(user, form, today=today)
            price = catalog.check_line(spec, user)
            wrvu, allowed = price.wrvu, price.allowed
        except FormErrors as exc:
            line_errors = [
                ImportLineError(number, _column(k), v, code="invalid") for k, v in exc.errors.items()
            ]
            spec = None
        except InvalidInput as exc:
            line_errors = [ImportLineError(number, _column(exc.field), exc.message, code=exc.code)]
            spec = None
        errors.extend(line_errors)
        group = None
        value = _group_value(_cell(row, cols.get("encounter")))
        if spec is not None and value:
            group = groups.setdefault((spec.date_of_service, value), len(groups))
        out.append(ImportRow(number, spec, wrvu, allowed, tuple(line_errors), group))
    keys = [_key(digest, r.line) for r in out]
    existing = (
        set(
            session.scalars(
                select(LogEntry.idempotency_key).where(
                    LogEntry.user_id == user.id, LogEntry.idempotency_key.in_(keys)
                )
            )
        )
        if keys
        else set()
    )
    return ImportPreview(filename, digest, tuple(out), tuple(errors), len(existing))


def _column(field: str) -> str:
    return {"date_of_service": "date", "hcpcs": "hcpcs"}.get(field, field)


def _key(digest: str, line: int) -> str:
    return f"import:{digest[:32]}:{line}"


def commit_import(
    session: Session, user: User, filename: str, data: bytes, catalog: Catalog, *, today: date | None = None
) -> list[LogEntry]:
    """Write every line of the file in one transaction, or nothing: ``ImportRejected`` lists the errors.

    Lines already imported from the same file are not added again; the new lines are returned.
    """
    preview = preview_import(session, user, filename, data, catalog, today=today)
    if preview.errors:
        raise ImportRejected(list(preview.errors))
    if not preview.rows:
        raise ImportRejected([ImportLineError(2, "file", "the file has a header but no lines")])
    done = set(
        session.scalars(
            select(LogEntry.idempotency_key).where(
                LogEntry.user_id == user.id, LogEntry.idempotency_key.like(f"import:{preview.digest[:32]}:%")
            )
        )
    )
    tokens: dict[int, str] = {}  # the file's encounter groups -> fresh tokens (never the file's values)
    try:
        added = []
        for row in preview.rows:
            key = _key(preview.digest, row.line)
            if key in done or row.spec is None:
                continue
            token = new_encounter() if row.group is None else tokens.setdefault(row.group, new_encounter())
            entry = new_entry(user, row.spec, key, "import", encounter=token)
            session.add(entry)
            added.append(entry)
        session.flush()
        reprice_days(session, user, catalog, {e.date_of_service for e in added})
        if added:
            # one "create" row per line, like lines logged by hand, so each line has its own trail
            session.execute(
                insert(AuditLog),
                [
                    {
                        "actor_id": user.id,
                        "action": "create",
                        "entity": "log_entry",
                        "entity_id": e.id,
                        "after": snapshot(e) | {"source": "import", "file": filename[:200]},
                        "at": utcnow(),
                    }
                    for e in added
                ],
            )
            audit.record(
                session,
                actor_id=user.id,
                action="import",
                entity="log_entry",
                entity_id=None,
                after={
                    "file": filename[:200],
                    "sha256": preview.digest,
                    "lines": len(added),
                    "ids": [e.id for e in added],
                },
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return added
