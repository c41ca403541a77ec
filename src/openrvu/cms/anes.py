"""ANES: the anesthesia conversion factor of each locality.

Values carry trailing spaces (``"10112 "``). CY2026 has two CF columns, qualifying APM (QP) and
non-qualifying APM; the non-QP one is the default ``conv_factor``. CY2025 has a single column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openrvu.cms._table import (
    check_length,
    check_width,
    find_header,
    norm_name,
    parse_decimal,
    read_table,
    zero_pad,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import AnesthesiaCf

_NATIONAL = re.compile(r"of\s+(\d+(?:\.\d+)?)", re.I)


@dataclass(frozen=True, slots=True)
class AnesFile:
    """A parsed ANES file: the national CF(s) named in its header and one row per locality."""

    source: str
    national_cf: Decimal | None
    national_cf_qp: Decimal | None
    rows: list[AnesthesiaCf]


def is_anes_header(cells: list[str]) -> bool:
    """The header line: contractor, locality, and one or two 'Anes CF' columns."""
    names = [norm_name(c) for c in cells]
    return len(names) >= 4 and "CONTRACTOR" in names[0] and any("ANESCF" in n for n in names)


def parse_anes(path: Path, data: bytes | None = None, *, source: str | None = None) -> AnesFile:
    """Parse an ANES file; carriers zero padded to 5 digits, localities to 2."""
    table = read_table(path, data, source=source)
    src = table.source
    at = find_header(
        table, is_anes_header, what="a header 'Contractor,Locality,Locality Name,... Anes CF ...'"
    )
    header_line, header = table.rows[at]
    names = [norm_name(c) for c in header]
    cf_columns = [i for i, n in enumerate(names) if "ANESCF" in n]
    # "Non-Qualifying APM" contains "QUALIFYINGAPM" too: test the non-QP name first.
    nonqp = next((i for i in cf_columns if "NONQUALIFYING" in names[i]), None)
    qp = next((i for i in cf_columns if "QUALIFYING" in names[i] and "NONQUALIFYING" not in names[i]), None)
    default = nonqp if nonqp is not None else next((i for i in cf_columns if i != qp), cf_columns[0])
    if default == qp:
        qp = None  # a single CF column is the default one, whatever its name
    locality_at = next((i for i, n in enumerate(names) if n == "LOCALITY"), 1)
    name_at = next((i for i, n in enumerate(names) if n == "LOCALITYNAME"), 2)

    def national(i: int | None) -> Decimal | None:
        match = _NATIONAL.search(header[i]) if i is not None else None
        return Decimal(match[1]) if match else None

    width = 1 + max(default, qp or 0, locality_at, name_at)
    rows: list[AnesthesiaCf] = []
    for line, cells in table.rows[at + 1 :]:
        carrier = cells[0].strip() if cells else ""
        if not carrier.isdigit():
            continue  # blank trailer rows
        check_length(src, line, cells, width)
        check_width(src, line, cells, header)
        rows.append(
            AnesthesiaCf(
                carrier=zero_pad(carrier, 5),
                locality=zero_pad(cells[locality_at], 2),
                name=cells[name_at].strip().rstrip("*").strip(),
                conv_factor=parse_decimal(
                    cells[default], source=src, line=line, column=header[default].strip(), blank_ok=False
                ),
                conv_factor_qp=(
                    parse_decimal(cells[qp], source=src, line=line, column=header[qp].strip(), blank_ok=False)
                    if qp is not None
                    else None
                ),
            )
        )
    if not rows:
        raise CmsFormatError(
            src,
            "no locality rows after the header",
            line=header_line + 1,
            expected="rows starting with a contractor number",
        )
    return AnesFile(source=src, national_cf=national(default), national_cf_qp=national(qp), rows=rows)
