"""HCPCS Level II alpha-numeric file (ANWEB): codes and Level II modifiers with their descriptors.

CMS ships it as XLSX (and fixed-width text); a CSV conversion of the sheet reads the same way. Modifier
records have RECID 7 and a 2-character code written with leading spaces (``"   A1"``). Continuation
records (RECID 4 and 8, used when a long description is split) are joined to the record above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openrvu.cms._table import (
    column_index,
    find_header,
    missing_column,
    norm_name,
    parse_yyyymmdd,
    read_table,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import HcpcsLevel2Row
from openrvu.cms.release import QUARTER_MONTH, quarter_from_names

_CODE_RECORDS = {"3", "7"}
_CONTINUATION = {"4", "8"}


@dataclass(frozen=True, slots=True)
class HcpcsFile:
    """A parsed ANWEB file; ``vintage`` is ``YYYY-MM`` of its quarterly update (``2025-10``)."""

    source: str
    vintage: str
    rows: list[HcpcsLevel2Row]


def is_hcpcs2_header(cells: list[str]) -> bool:
    """The header line: ``HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,...``."""
    names = {norm_name(c) for c in cells}
    return {"HCPC", "LONGDESCRIPTION", "SHORTDESCRIPTION"} <= names


def parse_hcpcs2(
    path: Path, data: bytes | None = None, *, source: str | None = None, names: list[str] | None = None
) -> HcpcsFile:
    """Parse an ANWEB file (XLSX or its CSV conversion) into codes and modifiers."""
    table = read_table(path, data, source=source)
    src = table.source
    at = find_header(
        table, is_hcpcs2_header, what="a header 'HCPC,SEQNUM,RECID,LONG DESCRIPTION,...'", limit=5
    )
    header_line, header = table.rows[at]
    index = column_index(header)

    def pos(name: str, display: str) -> int:
        if name not in index:
            raise missing_column(src, header_line, display)
        return index[name]

    hc = pos("HCPC", "HCPC")
    rec = pos("RECID", "RECID")
    long_at = pos("LONGDESCRIPTION", "LONG DESCRIPTION")
    short_at = pos("SHORTDESCRIPTION", "SHORT DESCRIPTION")
    betos, cov = index.get("BETOS"), index.get("COV")
    added_at, eff_at, term_at, action = (
        index.get("ADDDT"),
        index.get("ACTEFFDT"),
        index.get("TERMDT"),
        index.get("ACTIONCD"),
    )
    width = 1 + max(hc, rec, long_at, short_at)
    records: list[dict[str, object]] = []
    latest: date | None = None
    for line, cells in table.rows[at + 1 :]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < width:
            raise CmsFormatError(
                src,
                f"the row has {len(cells)} columns, expected {len(header)}: truncated?",
                line=line,
                expected=f"{len(header)} columns",
            )
        code = cells[hc].strip().upper()
        kind = cells[rec].strip()

        if kind in _CONTINUATION:
            if not records or records[-1]["hcpcs"] != code:
                raise CmsFormatError(
                    src,
                    f"continuation record of {code!r} has no first record",
                    line=line,
                    column="RECID",
                    expected="RECID 3 or 7 before 4 or 8",
                )
            records[-1]["long_description"] = (
                f"{records[-1]['long_description']} {_opt(cells, long_at)}".strip()
            )
            continue
        is_modifier = kind == "7" or (kind not in _CODE_RECORDS and len(code) == 2)
        if not code.isalnum() or len(code) != (2 if is_modifier else 5):
            raise CmsFormatError(
                src,
                f"{code[:20]!r} is not a HCPCS code or modifier",
                line=line,
                column="HCPC",
                expected="5-character code (RECID 3) or 2-character modifier (RECID 7)",
            )
        effective = parse_yyyymmdd(_opt(cells, eff_at), source=src, line=line, column="ACT EFF DT")
        if effective and (latest is None or effective > latest):
            latest = effective
        records.append(
            {
                "hcpcs": code,
                "is_modifier": is_modifier,
                "long_description": _opt(cells, long_at),
                "short_description": _opt(cells, short_at),
                "betos": _opt(cells, betos),
                "coverage": _opt(cells, cov),
                "added": parse_yyyymmdd(_opt(cells, added_at), source=src, line=line, column="ADD DT"),
                "action_effective": effective,
                "terminated": parse_yyyymmdd(_opt(cells, term_at), source=src, line=line, column="TERM DT"),
                "action_code": _opt(cells, action),
            }
        )
    if not records:
        raise CmsFormatError(
            src, "no records after the header", line=header_line + 1, expected="HCPCS records"
        )
    found = quarter_from_names(*(names or []), Path(src).name)
    if found:
        vintage = f"{found[0]}-{QUARTER_MONTH[found[1]]:02d}"
    elif latest:
        vintage = f"{latest.year}-{latest.month:02d}"
    else:
        raise CmsFormatError(
            src, "cannot tell which quarterly update this is", expected="a name like HCPC2025_OCT"
        )
    return HcpcsFile(source=src, vintage=vintage, rows=[HcpcsLevel2Row(**r) for r in records])  # type: ignore[arg-type]


def _opt(cells: list[str], i: int | None) -> str:
    return cells[i].strip() if i is not None and i < len(cells) else ""
