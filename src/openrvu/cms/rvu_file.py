"""The national RVU file (PPRRVU), CSV as CMS ships it or its XLSX twin.

The file opens with banner lines (title, copyright, ``RELEASED mm/dd/yyyy``), then a header whose column
names are split over several lines ("NON-FAC" / "PE RVU"). We find the last header line by its ``HCPCS``
and ``MOD`` cells, join the lines above it per column, and map every column by its merged name, because
CMS inserts columns between years (CY2026 added ``PRIC IND`` before ``ENDO BASE``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from openrvu.cms._table import (
    Table,
    check_hcpcs,
    check_width,
    column_index,
    find_column,
    find_header,
    is_blank,
    missing_column,
    norm_name,
    parse_decimal,
    read_table,
)
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.models import RvuRow
from openrvu.cms.release import ReleaseId, identify_release

# (field, kind, display name, normalised header names); kind: s=str, d=Decimal, b=flag, o=optional str
_COLUMNS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("hcpcs", "s", "HCPCS", ("HCPCS",)),
    ("modifier", "s", "MOD", ("MOD", "MODIFIER")),
    ("description", "s", "DESCRIPTION", ("DESCRIPTION",)),
    ("status_code", "s", "STATUS CODE", ("STATUSCODE",)),
    ("not_used_for_medicare", "b", "NOT USED FOR MEDICARE PAYMENT", ("NOTUSEDFORMEDICAREPAYMENT",)),
    ("work_rvu", "d", "WORK RVU", ("WORKRVU",)),
    ("nonfac_pe_rvu", "d", "NON-FAC PE RVU", ("NONFACPERVU", "NONFACILITYPERVU")),
    ("nonfac_na", "b", "NON-FAC NA INDICATOR", ("NONFACNAINDICATOR", "NONFACILITYNAINDICATOR")),
    ("fac_pe_rvu", "d", "FACILITY PE RVU", ("FACILITYPERVU",)),
    ("fac_na", "b", "FACILITY NA INDICATOR", ("FACILITYNAINDICATOR",)),
    ("mp_rvu", "d", "MP RVU", ("MPRVU",)),
    ("nonfac_total", "d", "NON-FACILITY TOTAL", ("NONFACILITYTOTAL", "NONFACTOTAL")),
    ("fac_total", "d", "FACILITY TOTAL", ("FACILITYTOTAL",)),
    ("pctc", "s", "PCTC IND", ("PCTCIND", "PCTCINDICATOR")),
    ("global_days", "s", "GLOB DAYS", ("GLOBDAYS", "GLOBALDAYS")),
    ("pre_op", "d", "PRE OP", ("PREOP",)),
    ("intra_op", "d", "INTRA OP", ("INTRAOP",)),
    ("post_op", "d", "POST OP", ("POSTOP",)),
    ("mult_proc", "s", "MULT PROC", ("MULTPROC",)),
    ("bilat_surg", "s", "BILAT SURG", ("BILATSURG",)),
    ("asst_surg", "s", "ASST SURG", ("ASSTSURG",)),
    ("co_surg", "s", "CO- SURG", ("COSURG",)),
    ("team_surg", "s", "TEAM SURG", ("TEAMSURG",)),
    ("pric_ind", "o", "PRIC IND", ("PRICIND",)),
    ("endo_base", "s", "ENDO BASE", ("ENDOBASE",)),
    ("conv_factor", "d", "CONV FACTOR", ("CONVFACTOR",)),
    (
        "supervision",
        "s",
        "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES",
        ("PHYSICIANSUPERVISIONOFDIAGNOSTICPROCEDURES",),
    ),
    ("calc_flag", "s", "CALCULATION FLAG", ("CALCULATIONFLAG",)),
    ("imaging_family", "s", "DIAGNOSTIC IMAGING FAMILY INDICATOR", ("DIAGNOSTICIMAGINGFAMILYINDICATOR",)),
    (
        "nonfac_pe_opps",
        "d",
        "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
        ("NONFACILITYPEUSEDFOROPPSPAYMENTAMOUNT",),
    ),
    ("fac_pe_opps", "d", "FACILITY PE USED FOR OPPS PAYMENT AMOUNT", ("FACILITYPEUSEDFOROPPSPAYMENTAMOUNT",)),
    ("mp_opps", "d", "MP USED FOR OPPS PAYMENT AMOUNT", ("MPUSEDFOROPPSPAYMENTAMOUNT",)),
]
# Columns a file may lack (older or newer layouts); every other column must be present.
_OPTIONAL = {
    "pric_ind",
    "supervision",
    "calc_flag",
    "imaging_family",
    "nonfac_pe_opps",
    "fac_pe_opps",
    "mp_opps",
    "not_used_for_medicare",
    "nonfac_na",
    "fac_na",
    "pre_op",
    "intra_op",
    "post_op",
    "endo_base",
}
# Zero-padding for indicator codes an XLSX may store as numbers (90 -> "090").
_WIDTH = {"hcpcs": 5, "global_days": 3, "supervision": 2, "imaging_family": 2}
_MAX_BANNER = 8


@dataclass(frozen=True, slots=True)
class PprrvuFile:
    """A parsed PPRRVU file: its release, the rows, and what the header looked like."""

    source: str
    release: ReleaseId
    rows: list[RvuRow]
    columns: tuple[str, ...]  # merged header names, in file order
    conv_factor: Decimal  # the CONV FACTOR value of (nearly) every row
    qp_variant: bool  # a qualifying-APM (QPP) file rather than the default non-QP one


def is_pprrvu_header(cells: list[str]) -> bool:
    """The last header line: ``HCPCS``, ``MOD`` then ``DESCRIPTION`` (the OPPSCAP file has no description)."""
    return (
        len(cells) > 3
        and norm_name(cells[0]) == "HCPCS"
        and norm_name(cells[1]) in ("MOD", "MODIFIER")
        and norm_name(cells[2]).startswith("DESCRIPTION")
    )


def merged_header(table: Table, header_at: int) -> tuple[list[str], list[str]]:
    """(merged column names, banner texts above the header block)."""
    header = table.rows[header_at][1]
    parts: list[list[str]] = [[] for _ in header]
    top = header_at
    # Header continuation lines have nothing in HCPCS/MOD/DESCRIPTION but words further right.
    while top > 0 and header_at - top < _MAX_BANNER:
        cells = table.rows[top - 1][1]
        if is_blank(cells) or any(c.strip() for c in cells[:3]):
            break
        top -= 1
    for _, cells in table.rows[top : header_at + 1]:
        for i, cell in enumerate(cells[: len(header)]):
            if cell.strip():
                parts[i].append(cell.strip())
    names = [" ".join(p) for p in parts]
    banner = [" ".join(c.strip() for c in cells if c.strip()) for _, cells in table.rows[:top]]
    return names, banner


def parse_pprrvu(
    path: Path, data: bytes | None = None, *, source: str | None = None, names: list[str] | None = None
) -> PprrvuFile:
    """Parse a PPRRVU file into :class:`RvuRow` records, mapping columns by name.

    ``names`` are the file, zip and folder names (nearest first) used to name the release when the
    banner does not. Raises :class:`CmsFormatError` naming file, line and column on any problem.
    """
    table = read_table(path, data, source=source)
    src = table.source
    header_at = find_header(
        table, is_pprrvu_header, what="a PPRRVU header line starting HCPCS,MOD,DESCRIPTION"
    )
    columns, banner = merged_header(table, header_at)
    index = column_index(columns)
    positions: list[tuple[str, str, str, int | None]] = []
    for field, kind, display, aliases in _COLUMNS:
        pos = find_column(index, aliases)
        if pos is None and field not in _OPTIONAL:
            raise missing_column(src, table.rows[header_at][0], display)
        positions.append((field, kind, display, pos))
    width = len(columns)
    release = identify_release(src, banner, [*(names or []), Path(src).name])
    rows = _convert_rows(table, header_at, positions, width)
    if not rows:
        raise CmsFormatError(
            src,
            "the file has a header but no data rows",
            line=table.rows[header_at][0] + 1,
            expected="one row per HCPCS code and modifier",
        )
    conv = Counter(r.conv_factor for r in rows).most_common(1)[0][0]
    file_name = (names[0] if names else Path(src).name).upper()
    qp = "QPP" in file_name.replace("NONQPP", "").replace("NON_QPP", "").replace("NON-QPP", "")
    return PprrvuFile(
        source=src,
        release=release,
        rows=rows,
        columns=tuple(columns),
        conv_factor=conv,
        qp_variant=qp,
    )


def _convert_rows(
    table: Table, header_at: int, positions: list[tuple[str, str, str, int | None]], width: int
) -> list[RvuRow]:
    """Turn the data rows into records. Hot loop: cells are picked with itemgetter, numbers cached."""
    src = table.source
    # A blank cell appended at index ``width`` stands in for optional columns the file lacks; an absent
    # optional string ("o", PRIC IND) becomes None whatever it points at.
    absent = any(pos is None and kind != "o" for _, kind, _, pos in positions)
    picks = {
        kind: [
            pos if pos is not None else (width if kind != "o" else 0)
            for _, k, _, pos in positions
            if k == kind
        ]
        for kind in "sdbo"
    }
    fields = {kind: [f for f, k, _, _ in positions if k == kind] for kind in "sdbo"}
    displays = {kind: [d for _, k, d, _ in positions if k == kind] for kind in "sdbo"}
    order = [*fields["s"], *fields["d"], *fields["b"], *fields["o"]]
    field_order = [f for f, _, _, _ in positions]
    reorder = itemgetter(*(order.index(f) for f in field_order))
    get_s, get_d, get_b, get_o = (_picker(picks[k]) for k in "sdbo")
    absent_o = [pos is None for _, k, _, pos in positions if k == "o"]
    s_index = {f: i for i, f in enumerate(fields["s"])}
    pad = [(s_index[f], w) for f, w in _WIDTH.items()]
    upper = [s_index["hcpcs"], s_index["modifier"]]
    decimals: dict[str, Decimal] = {}
    rows: list[RvuRow] = []
    seen: set[tuple[str, str]] = set()
    for line, cells in table.rows[header_at + 1 :]:
        if not cells or (not cells[0].strip() and is_blank(cells)):
            continue
        if len(cells) < width:
            raise CmsFormatError(
                src,
                f"the row has {len(cells)} columns, the header {width}: the file may be truncated",
                line=line,
                column=positions[min(len(cells), len(positions) - 1)][2],
                expected=f"{width} columns",
            )
        if len(cells) > width and not is_blank(cells[width:]):
            check_width(src, line, cells, table.rows[header_at][1][:width])
        if absent:
            cells = [*cells[:width], ""]
        strs = [c.strip() for c in get_s(cells)]
        for i in upper:
            strs[i] = strs[i].upper()
        for i, w in pad:
            if len(strs[i]) < w and strs[i].isdigit():
                strs[i] = strs[i].zfill(w)
        raw_d = get_d(cells)
        try:
            decs = [decimals[c] for c in raw_d]
        except KeyError:
            for i, text in enumerate(raw_d):
                if text not in decimals:
                    decimals[text] = parse_decimal(text, source=src, line=line, column=displays["d"][i])
            decs = [decimals[c] for c in raw_d]
        flags = [bool(c.strip()) for c in get_b(cells)]
        opts = [None if absent else c.strip() for c, absent in zip(get_o(cells), absent_o, strict=True)]
        hcpcs, modifier = strs[0], strs[1]
        check_hcpcs(src, line, hcpcs)
        if (hcpcs, modifier) in seen:
            raise CmsFormatError(src, f"{hcpcs} {modifier} appears twice", line=line, column="MOD")
        seen.add((hcpcs, modifier))
        rows.append(RvuRow(*reorder([*strs, *decs, *flags, *opts])))
    return rows


def _picker(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """Pick cells by index as a tuple (itemgetter returns a bare value for a single index)."""
    if not indexes:
        return lambda _cells: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda cells: (cells[only],)
    return itemgetter(*indexes)
