"""LOCCO: which counties make each payment locality.

The State column is filled only on the first row of each state, blank spacer rows separate states, and
CY2025 writes carriers and localities without their leading zeros (``2102``, ``1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from openrvu.cms._table import (
    check_length,
    column_index,
    find_header,
    is_blank,
    missing_column,
    norm_name,
    read_table,
    zero_pad,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import LocalityCounties

_YEAR = re.compile(r"(20\d{2})")


@dataclass(frozen=True, slots=True)
class LoccoFile:
    """A parsed LOCCO file: the calendar year in its title (if any) and its rows in file order."""

    source: str
    year: int | None
    rows: list[LocalityCounties]


def is_locco_header(cells: list[str]) -> bool:
    """The header line: contractor, locality number, state, fee schedule area, counties."""
    names = {norm_name(c) for c in cells}
    return "COUNTIES" in names and any("FEESCHEDULEAREA" in n for n in names)


def parse_locco(path: Path, data: bytes | None = None, *, source: str | None = None) -> LoccoFile:
    """Parse a LOCCO file, carrying each state down to the rows below its first row."""
    table = read_table(path, data, source=source)
    src = table.source
    at = find_header(table, is_locco_header, what="a header with 'Fee Schedule Area' and 'Counties'")
    header_line, header = table.rows[at]
    index = column_index(header)

    def pos(*names: str) -> int:
        for name in names:
            for key, i in index.items():
                if name in key:
                    return i
        raise missing_column(src, header_line, names[0])

    carrier_at = pos("CONTRACTOR", "CARRIER", "MAC")
    locality_at = pos("LOCALITY")
    state_at = pos("STATE")
    area_at = pos("FEESCHEDULEAREA")
    counties_at = pos("COUNTIES")
    width = 1 + max(carrier_at, locality_at, state_at, area_at, counties_at)
    title = " ".join(" ".join(cells) for _, cells in table.rows[:at])
    year_match = _YEAR.search(title)
    rows: list[LocalityCounties] = []
    state = ""
    for line, cells in table.rows[at + 1 :]:
        if is_blank(cells):
            continue
        carrier = cells[carrier_at].strip() if cells else ""
        if not carrier.isdigit():
            continue  # footnotes such as "*  Payment locality is serviced by two carriers."
        check_length(src, line, cells, width)
        locality = cells[locality_at].strip()
        if not locality.isdigit():
            raise CmsFormatError(
                src,
                f"{locality[:20]!r} is not a locality number",
                line=line,
                column="Locality Number",
                expected="a number such as 01",
            )
        state = cells[state_at].strip() or state
        rows.append(
            LocalityCounties(
                carrier=zero_pad(carrier, 5),
                locality=zero_pad(locality, 2),
                state=state,
                fee_schedule_area=cells[area_at].strip(),
                counties=cells[counties_at].strip(),
            )
        )
    if not rows:
        raise CmsFormatError(
            src,
            "no locality rows after the header",
            line=header_line + 1,
            expected="rows starting with a MAC number",
        )
    return LoccoFile(source=src, year=int(year_match[1]) if year_match else None, rows=rows)
