"""Reading CMS tabular files (CSV text or an XLSX sheet) as numbered rows of strings.

Every parser works on a :class:`Table`, so the CSV and XLSX variants of a CMS file share one code path,
and every error can name the line (CSV) or row (XLSX) where it happened.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openrvu.cms.errors import CmsFormatError

# A plain decimal number as CMS writes it: no exponent, no NaN/Infinity, optional sign.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one file: ``(line number, cells)`` with every cell a string (blank is ``""``)."""

    source: str
    rows: list[tuple[int, list[str]]]


def load_bytes(path: Path, data: bytes | None) -> bytes:
    """The bytes of ``path`` (or ``data`` when the caller already has them, e.g. from a zip)."""
    if data is not None:
        return data
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CmsFormatError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def decode_text(source: str | Path, data: bytes) -> str:
    """Decode CMS text: UTF-8 (with or without BOM), else Windows-1252, as CMS files are written."""
    if b"\x00" in data[:65536]:
        raise CmsFormatError(source, "this is a binary file", expected="a text (CSV or fixed-width) file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # latin-1 maps every byte, so bytes cp1252 leaves undefined still decode.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def read_table(path: Path, data: bytes | None = None, *, source: str | None = None) -> Table:
    """Read ``path`` as a table: ``.xlsx`` through openpyxl (read-only), anything else as CSV."""
    name = source or str(path)
    raw = load_bytes(path, data)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return Table(name, list(_xlsx_rows(name, raw)))
    return Table(name, list(_csv_rows(name, decode_text(name, raw))))


def _csv_rows(source: str, text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    try:
        for cells in reader:
            # csv reports the line a record ends on; a multi-line record starts right after the last one.
            yield line + 1, cells
            line = reader.line_num
    except csv.Error as exc:
        raise CmsFormatError(source, f"not readable as CSV: {exc}", line=reader.line_num + 1) from exc


def _xlsx_rows(source: str, raw: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    # openpyxl raises many types on a damaged workbook (zip, XML ParseError, KeyError): all mean the same.
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise CmsFormatError(
            source, f"not a readable XLSX workbook: {exc}", expected="an .xlsx file"
        ) from exc
    try:
        if not book.worksheets:
            raise CmsFormatError(source, "the workbook has no sheet", expected="one data sheet")
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    except CmsFormatError:
        raise
    except Exception as exc:
        raise CmsFormatError(source, f"the XLSX sheet is damaged: {exc}") from exc
    finally:
        book.close()


def cell_text(value: object) -> str:
    """An XLSX cell as the text CMS would have written in the CSV twin."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def norm_name(text: str) -> str:
    """A header name reduced to letters and digits, so ``"CO- SURG"`` and ``"CO-SURG"`` compare equal."""
    return _NOT_ALNUM.sub("", text.upper())


def is_blank(cells: Iterable[str]) -> bool:
    """True when every cell of a row is empty or spaces (CMS spacer rows)."""
    return all(not c.strip() for c in cells)


def parse_decimal(value: str, *, source: str, line: int, column: str, blank_ok: bool = True) -> Decimal:
    """A CMS number as Decimal. Blank is zero where ``blank_ok``; anything else non-numeric is an error."""
    text = value.strip()
    if not text:
        if blank_ok:
            return Decimal(0)
        raise CmsFormatError(source, "the value is empty", line=line, column=column, expected="a number")
    if not _NUMBER.fullmatch(text):
        raise CmsFormatError(
            source, f"{text[:40]!r} is not a number", line=line, column=column, expected="a number like 1.30"
        )
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid numbers
        raise CmsFormatError(source, f"{text[:40]!r} is not a number", line=line, column=column) from exc


def parse_yyyymmdd(value: str, *, source: str, line: int, column: str) -> date | None:
    """A CMS ``YYYYMMDD`` date, ``None`` when blank."""
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise CmsFormatError(
            source, f"{text[:20]!r} is not a date", line=line, column=column, expected="a date as YYYYMMDD"
        ) from exc


def check_width(source: str, line: int, cells: list[str], header: list[str]) -> None:
    """A row must not carry values beyond the header: that means a shifted row (e.g. a stray comma)."""
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        raise CmsFormatError(
            source,
            f"the row has {len(cells)} values but the header {len(header)}: a stray comma or shifted row?",
            line=line,
            expected=f"{len(header)} columns",
        )


def zero_pad(value: str, width: int) -> str:
    """Zero-pad a numeric code (``"2102"`` -> ``"02102"``); codes with letters stay as they are."""
    text = value.strip()
    return text.zfill(width) if text.isdigit() else text


def find_header(table: Table, is_header: Callable[[list[str]], bool], *, what: str, limit: int = 40) -> int:
    """Index into ``table.rows`` of the header row, searched among the first ``limit`` rows."""
    for index, (_, cells) in enumerate(table.rows[:limit]):
        if is_header(cells):
            return index
    if not table.rows:
        raise CmsFormatError(table.source, "the file is empty", line=1, expected=what)
    raise CmsFormatError(table.source, "no header line found", line=1, expected=what)


def column_index(header: list[str]) -> dict[str, int]:
    """Normalised column name -> index (first occurrence wins)."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        key = norm_name(name)
        if key and key not in index:
            index[key] = i
    return index


def find_column(index: dict[str, int], aliases: tuple[str, ...]) -> int | None:
    """Position of the first of ``aliases`` (normalised names) the header has, else ``None``."""
    return next((index[a] for a in aliases if a in index), None)


def missing_column(source: str, line: int, display: str) -> CmsFormatError:
    """The error for a header that lacks the required column ``display``."""
    return CmsFormatError(
        source,
        f"the header has no {display!r} column",
        line=line,
        column=display,
        expected=f"a column named {display}",
    )


def check_length(source: str, line: int, cells: list[str], width: int) -> None:
    """A data row must reach the last column the parser reads: a shorter one was cut off."""
    if len(cells) < width:
        raise CmsFormatError(
            source,
            f"the row has {len(cells)} columns, expected {width}: truncated?",
            line=line,
            expected=f"{width} columns",
        )


def check_hcpcs(source: str, line: int, hcpcs: str) -> None:
    """A HCPCS code is 5 letters or digits (after zero-padding and upper-casing)."""
    if len(hcpcs) != 5 or not hcpcs.isalnum():
        raise CmsFormatError(
            source,
            f"{hcpcs[:20]!r} is not a HCPCS code",
            line=line,
            column="HCPCS",
            expected="5 letters/digits",
        )
