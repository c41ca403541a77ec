"""OPPSCAP: the OPPS-based payment cap of certain imaging services, by HCPCS, modifier and locality."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openrvu.cms._table import (
    check_hcpcs,
    check_length,
    check_width,
    column_index,
    find_column,
    find_header,
    missing_column,
    norm_name,
    parse_decimal,
    read_table,
    zero_pad,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import OppsCapRow

_COLUMNS = (
    ("hcpcs", "HCPCS", ("HCPCS",)),
    ("modifier", "MOD", ("MOD", "MODIFIER")),
    ("procstat", "PROCSTAT", ("PROCSTAT",)),
    ("carrier", "CARRIER", ("CARRIER", "CONTRACTOR")),
    ("locality", "LOCALITY", ("LOCALITY",)),
    ("fac_price", "FACILITY PRICE", ("FACILITYPRICE",)),
    # CMS spells it "NON-FACILTY PRICE".
    ("nonfac_price", "NON-FACILITY PRICE", ("NONFACILTYPRICE", "NONFACILITYPRICE")),
)


@dataclass(frozen=True, slots=True)
class OppsCapFile:
    """A parsed OPPSCAP file (it names no year; the caller attaches it to one)."""

    source: str
    rows: list[OppsCapRow]


def is_oppscap_header(cells: list[str]) -> bool:
    """The header line: ``HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,...``."""
    names = {norm_name(c) for c in cells}
    return {"HCPCS", "PROCSTAT", "CARRIER"} <= names


def parse_oppscap(path: Path, data: bytes | None = None, *, source: str | None = None) -> OppsCapFile:
    """Parse an OPPSCAP file, mapping columns by name."""
    table = read_table(path, data, source=source)
    src = table.source
    at = find_header(table, is_oppscap_header, what="a header 'HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY,...'")
    header_line, header = table.rows[at]
    index = column_index(header)
    positions: list[int] = []
    for _, display, aliases in _COLUMNS:
        pos = find_column(index, aliases)
        if pos is None:
            raise missing_column(src, header_line, display)
        positions.append(pos)
    h, m, ps, c, lo, fp, nfp = positions
    width = 1 + max(positions)
    decimals: dict[str, Decimal] = {}

    def num(text: str, line: int, column: str) -> Decimal:
        text = text.strip()
        value = decimals.get(text)
        if value is None:
            value = decimals[text] = parse_decimal(text, source=src, line=line, column=column, blank_ok=False)
        return value

    rows: list[OppsCapRow] = []
    for line, cells in table.rows[at + 1 :]:
        if not cells or not cells[h].strip():
            continue  # trailing ",,,,,," rows
        check_length(src, line, cells, width)
        check_width(src, line, cells, header)
        hcpcs = zero_pad(cells[h].upper(), 5)
        check_hcpcs(src, line, hcpcs)
        rows.append(
            OppsCapRow(
                hcpcs=hcpcs,
                modifier=cells[m].strip().upper(),
                procstat=cells[ps].strip(),
                carrier=zero_pad(cells[c], 5),
                locality=zero_pad(cells[lo], 2),
                fac_price=num(cells[fp], line, "FACILITY PRICE"),
                nonfac_price=num(cells[nfp], line, "NON-FACILTY PRICE"),
            )
        )
    if not rows:
        raise CmsFormatError(
            src, "no rows after the header", line=header_line + 1, expected="one row per code and locality"
        )
    return OppsCapFile(source=src, rows=rows)
