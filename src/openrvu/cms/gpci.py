"""Addendum E: geographic practice cost indices (GPCI) by Medicare locality.

The file opens with a title ("... FINAL CY 2026 GEOGRAPHIC PRACTICE COST INDICES ..."), then a header naming
the MAC, state, locality number and name and the work/PE/MP GPCIs. CY2026 gives the work GPCI with and
without the 1.0 floor; CY2025 only the floored one. Footnotes follow the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from openrvu.cms._table import (
    check_length,
    check_width,
    column_index,
    find_header,
    missing_column,
    norm_name,
    parse_decimal,
    read_table,
    zero_pad,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import GpciRow

_NUMBER_COLUMNS = (
    ("work_floor", "PW GPCI (with 1.0 Floor)"),
    ("work_nofloor", "PW GPCI (without 1.0 Floor)"),
    ("pe", "PE GPCI"),
    ("mp", "MP GPCI"),
)
_YEAR = re.compile(r"(?:CY\s*)?(20\d{2})")


@dataclass(frozen=True, slots=True)
class GpciFile:
    """A parsed GPCI file: the calendar year it names (if any) and one row per locality."""

    source: str
    year: int | None
    rows: list[GpciRow]


def is_gpci_header(cells: list[str]) -> bool:
    """The header line: a MAC/contractor column and a work GPCI column."""
    names = [norm_name(c) for c in cells]
    return any("CONTRACTOR" in n or n.startswith("MAC") for n in names[:2]) and any(
        "GPCI" in n and ("PW" in n or "WORK" in n) for n in names
    )


def _first(*positions: int | None) -> int | None:
    return next((p for p in positions if p is not None), None)


def _find(index: dict[str, int], *, contains: tuple[str, ...], excludes: tuple[str, ...] = ()) -> int | None:
    for name, pos in index.items():
        if all(c in name for c in contains) and not any(e in name for e in excludes):
            return pos
    return None


def parse_gpci(path: Path, data: bytes | None = None, *, source: str | None = None) -> GpciFile:
    """Parse a GPCI (Addendum E) file; carriers are zero padded to 5 digits, localities to 2."""
    table = read_table(path, data, source=source)
    src = table.source
    at = find_header(
        table, is_gpci_header, what="a header with 'Medicare Administrative Contractor' and 'PW GPCI'"
    )
    header_line, header = table.rows[at]
    index = column_index(header)
    wanted = {
        "carrier": _first(_find(index, contains=("CONTRACTOR",)), _find(index, contains=("MAC",))),
        "state": _find(index, contains=("STATE",)),
        "locality": _find(index, contains=("LOCALITY",), excludes=("NAME",)),
        "name": _find(index, contains=("LOCALITY", "NAME")),
        "work_floor": _first(
            _find(index, contains=("GPCI", "WITH1"), excludes=("WITHOUT",)),
            _find(index, contains=("PWGPCI",), excludes=("WITHOUT",)),
            _find(index, contains=("WORKGPCI",), excludes=("WITHOUT",)),
        ),
        "work_nofloor": _find(index, contains=("GPCI", "WITHOUT")),
        "pe": _find(index, contains=("PEGPCI",)),
        "mp": _find(index, contains=("MPGPCI",)),
    }
    for key, label in (
        ("carrier", "Medicare Administrative Contractor (MAC)"),
        ("locality", "Locality Number"),
        ("work_floor", "PW GPCI (with 1.0 Floor)"),
        ("pe", "PE GPCI"),
        ("mp", "MP GPCI"),
    ):
        if wanted[key] is None:
            raise missing_column(src, header_line, label)
    carrier_at = wanted["carrier"]
    assert carrier_at is not None  # checked above
    year_match = _YEAR.search(" ".join(header) + " " + " ".join(" ".join(c) for _, c in table.rows[:at]))
    rows: list[GpciRow] = []
    width = 1 + max(p for p in wanted.values() if p is not None)
    for line, cells in table.rows[at + 1 :]:
        carrier = cells[carrier_at].strip() if len(cells) > carrier_at else ""
        if not carrier.isdigit():
            # Footnotes ("*Work GPCI reflects ...", "MAC Assignments as of ...") and spacers end the table.
            continue
        check_length(src, line, cells, width)

        check_width(src, line, cells, header)
        cell = {key: cells[pos].strip() if pos is not None else "" for key, pos in wanted.items()}
        numbers = {
            key: parse_decimal(cell[key], source=src, line=line, column=label, blank_ok=False)
            for key, label in _NUMBER_COLUMNS
            if wanted[key] is not None
        }
        rows.append(
            GpciRow(
                carrier=zero_pad(carrier, 5),
                locality=zero_pad(cell["locality"], 2),
                state=cell["state"],
                name=cell["name"].rstrip("*").strip(),  # "ALASKA*": footnote markers
                work_gpci=numbers["work_floor"],
                work_gpci_unfloored=numbers.get("work_nofloor"),
                pe_gpci=numbers["pe"],
                mp_gpci=numbers["mp"],
            )
        )
    if not rows:
        raise CmsFormatError(
            src,
            "no locality rows after the header",
            line=header_line + 1,
            expected="rows starting with a MAC number such as 10112",
        )
    return GpciFile(source=src, year=int(year_match[1]) if year_match else None, rows=rows)
