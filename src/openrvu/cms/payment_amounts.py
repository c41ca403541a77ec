"""The CMS payment amount files (PFALL / PFREV layout, document PF25PD): the oracle for the engine.

16 quoted, comma-separated fields, no header, CRLF; ``"TRL-...`` trailer rows carry the copyright
notices and are skipped. Revision files repeat a record with a blank modifier written as one or two
spaces; such duplicates are merged on (carrier, locality, HCPCS, stripped modifier) when their values
agree, and are an error when they do not.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import PaymentAmount

FIELDS = (
    "year",
    "carrier",
    "locality",
    "hcpcs",
    "modifier",
    "nonfac_amount",
    "fac_amount",
    "filler",
    "pctc",
    "status_code",
    "mult_surg",
    "therapy_nonfac",
    "therapy_fac",
    "opps_ind",
    "opps_nonfac",
    "opps_fac",
)
_AMOUNTS = ("nonfac_amount", "fac_amount", "therapy_nonfac", "therapy_fac", "opps_nonfac", "opps_fac")


def _amount(text: str, path: Path, line: int, name: str) -> Decimal:
    # PIC 9(7).99: ten characters, digits with a decimal point
    if len(text) != 10 or text[7] != "." or not (text[:7] + text[8:]).isdigit():
        raise CmsFormatError(
            path, f"bad amount {text!r}", line=line, column=name, expected="9(7).99 e.g. 0001122.21"
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - guarded by the digit check above
        raise CmsFormatError(path, f"bad amount {text!r}", line=line, column=name) from None


def parse_payment_amounts(path: str | Path, data: bytes | None = None) -> list[PaymentAmount]:
    """Every distinct record of a PFALL/PFREV file, in file order; ``CmsFormatError`` on a bad one."""
    path = Path(path)
    raw = path.read_bytes() if data is None else data
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise CmsFormatError(
            path, f"not ASCII text (byte {exc.start})", expected="an ASCII PFALL/PFREV file"
        ) from None
    seen: dict[tuple[str, str, str, str], PaymentAmount] = {}
    first_line: dict[tuple[str, str, str, str], int] = {}
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if cells[0].startswith("TRL"):
            continue
        if len(cells) != len(FIELDS):
            raise CmsFormatError(
                path, f"{len(cells)} fields", line=number, expected=f"{len(FIELDS)} quoted fields"
            )
        values = dict(zip(FIELDS, cells, strict=True))
        if not values["year"].isdigit() or len(values["year"]) != 4:
            raise CmsFormatError(
                path, f"bad year {values['year']!r}", line=number, column="year", expected="YYYY"
            )
        for name, width in (("carrier", 5), ("locality", 2)):
            if len(values[name]) != width or not values[name].isdigit():
                raise CmsFormatError(
                    path, f"bad {name} {values[name]!r}", line=number, column=name, expected=f"{width} digits"
                )
        hcpcs = values["hcpcs"].strip()
        if len(hcpcs) != 5:
            raise CmsFormatError(
                path, f"bad HCPCS {values['hcpcs']!r}", line=number, column="hcpcs", expected="5 characters"
            )
        amounts = {name: _amount(values[name], path, number, name) for name in _AMOUNTS}
        record = PaymentAmount(
            year=int(values["year"]),
            carrier=values["carrier"],
            locality=values["locality"],
            hcpcs=hcpcs,
            modifier=values["modifier"].strip(),
            pctc=values["pctc"].strip(),
            status_code=values["status_code"].strip(),
            mult_surg=values["mult_surg"].strip(),
            opps_ind=values["opps_ind"].strip(),
            **amounts,
        )
        key = (record.carrier, record.locality, record.hcpcs, record.modifier)
        previous = seen.get(key)
        if previous is None:
            seen[key] = record
            first_line[key] = number
        elif previous != record:
            raise CmsFormatError(
                path,
                f"record {'/'.join(key)} repeats line {first_line[key]} with other values",
                line=number,
                expected="duplicates with identical values",
            )
    return list(seen.values())
