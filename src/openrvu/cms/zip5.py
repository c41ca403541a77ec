"""ZIP5: ZIP code to carrier and pricing locality, a fixed-width file (layout in ZIP5lyout.txt).

Positions (1-based): state 1-2, ZIP 3-7, carrier 8-12, pricing locality 13-14, rural indicator 15,
year/quarter 76-80. CMS ships it plain; a gzip-compressed copy is read the same way.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from openrvu.cms._table import decode_text, load_bytes
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import ZipLocality

RECORD_WIDTH = 80
_KEY = re.compile(r"[A-Z]{2}\d{5}\d{5}\d{2}")
_FIELDS = (("State", 0, 2), ("Zip Code", 2, 7), ("Carrier", 7, 12), ("Pricing Locality", 12, 14))


@dataclass(frozen=True, slots=True)
class Zip5File:
    """A parsed ZIP5 file; ``vintage`` is its Year/Quarter field (``20254`` = 2025 Q4)."""

    source: str
    vintage: str
    rows: list[ZipLocality]


def gunzip_if_needed(source: str, raw: bytes) -> bytes:
    """The bytes, decompressed when they are gzip."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise CmsFormatError(
            source, f"the gzip data is damaged or truncated: {exc}", expected="a complete .gz file"
        ) from exc


def looks_like_zip5(text: str) -> bool:
    """True when the first line has the ZIP5 record shape."""
    first = text.split("\n", 1)[0].rstrip("\r")
    return len(first) >= RECORD_WIDTH and bool(_KEY.match(first)) and first[75:80].isdigit()


def parse_zip5(path: Path, data: bytes | None = None, *, source: str | None = None) -> Zip5File:
    """Parse a ZIP5 file (plain or gzip). Every record must be the full 80 columns wide."""
    src = source or str(path)
    text = decode_text(src, gunzip_if_needed(src, load_bytes(path, data)))
    rows: list[ZipLocality] = []
    vintages: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) < RECORD_WIDTH:
            raise CmsFormatError(
                src,
                f"the record is {len(line)} characters long: truncated?",
                line=number,
                column="Year/Quarter",
                expected=f"{RECORD_WIDTH}-character ZIP5 records",
            )
        if not _KEY.match(line):
            for name, start, end in _FIELDS:
                value = line[start:end]
                ok = value.isalpha() and value.isupper() if name == "State" else value.isdigit()
                if not ok:
                    raise CmsFormatError(
                        src,
                        f"{value!r} is not valid here",
                        line=number,
                        column=name,
                        expected=f"{name} in columns {start + 1}-{end}",
                    )
            raise CmsFormatError(
                src, "not a ZIP5 record", line=number, expected="state, ZIP, carrier, locality"
            )
        year_quarter = line[75:80]
        if not year_quarter.isdigit():
            raise CmsFormatError(
                src,
                f"{year_quarter!r} is not a year and quarter",
                line=number,
                column="Year/Quarter",
                expected="YYYYQ in columns 76-80",
            )
        vintages.add(year_quarter)
        rows.append(
            ZipLocality(
                zip5=line[2:7],
                state=line[0:2],
                carrier=line[7:12],
                locality=line[12:14],
                rural=line[14].strip(),
                year_quarter=year_quarter,
            )
        )
    if not rows:
        raise CmsFormatError(src, "the file has no ZIP records", line=1, expected="fixed-width ZIP5 records")
    return Zip5File(source=src, vintage=max(vintages), rows=rows)
