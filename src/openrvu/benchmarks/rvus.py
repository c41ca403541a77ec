"""Work RVUs per HCPCS code for the join with the public use file, and where they come from.

The PUF has no modifier column: a line is (NPI, HCPCS, place of service) with every modifier folded in.
The rule used to credit work RVUs to such a line (stated with every output as ``WRVU_RULE``):

- a code whose PCTC indicator is 1 (global, -26 and -TC rows exist) gets the work RVU of its ``26`` row.
  The professional work is the same on the global and the -26 row, and the -TC row carries none, so this is
  what the physician earned whether the line was billed global (office) or -26 (facility reading). It is
  also right for the ~120 codes whose global row is contractor-priced with 0 work but whose -26 row has
  real work (70557). It over-credits lines billed -TC only (independent testing facilities, which are
  organizations or non-physician provider types and rarely fall in a physician specialty's distribution);
- any other code gets the work RVU of its row without modifier;
- only rows CMS pays under the fee schedule (status A, R, T) count; every other line, and codes absent from
  the release (drugs, anesthesia base-unit codes, DME), earn 0 wRVU; their share of services is stated
  with the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import UnknownRelease

PAID_STATUSES = frozenset({"A", "R", "T"})

WRVU_RULE = (
    "wRVU per service = work RVU of the code's '26' row when its PCTC indicator is 1 (professional work is "
    "the same on the global and -26 rows; -TC carries none), else of its row without modifier; only "
    "status A/R/T rows count; other codes (drugs, anesthesia, DME, not in the release) earn 0."
)


class RvuLike(Protocol):
    @property
    def hcpcs(self) -> str: ...
    @property
    def modifier(self) -> str: ...
    @property
    def status_code(self) -> str: ...
    @property
    def work_rvu(self) -> Decimal: ...
    @property
    def pctc(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CodeWork:
    """The work RVU credited per service of one HCPCS code and the row it was taken from."""

    hcpcs: str
    work_rvu: Decimal
    modifier_used: str  # "" or "26"
    pctc: str
    status_code: str


def work_by_code(rows: Iterable[RvuLike]) -> dict[str, CodeWork]:
    """Apply ``WRVU_RULE`` to the rows of one release: HCPCS -> the credited work RVU."""
    base: dict[str, RvuLike] = {}
    prof: dict[str, RvuLike] = {}
    for row in rows:
        if row.modifier == "":
            base[row.hcpcs] = row
        elif row.modifier == "26":
            prof[row.hcpcs] = row
    out: dict[str, CodeWork] = {}
    for hcpcs in base.keys() | prof.keys():
        glob = base.get(hcpcs)
        use = prof[hcpcs] if hcpcs in prof and (glob is None or glob.pctc == "1") else glob
        if use is None:
            continue
        work = use.work_rvu if use.status_code in PAID_STATUSES else Decimal("0.00")
        pctc = glob.pctc if glob is not None else use.pctc
        out[hcpcs] = CodeWork(hcpcs, work, use.modifier, pctc, use.status_code)
    return out


def release_work(
    reference: ReferenceDB, year: int, release: str | None = None
) -> tuple[str, dict[str, CodeWork]]:
    """The release to use for a data year (``release`` or the last one of that year) and its work RVUs.

    Raises ``UnknownRelease`` when the named release, or any release of the year, is not loaded.
    """
    if release:
        chosen = reference.release(release)
    else:
        same_year = [r for r in reference.releases() if r.year == year]
        if not same_year:
            raise UnknownRelease(f"of {year}", [r.name for r in reference.releases()])
        chosen = same_year[-1]
    return chosen.name, work_by_code(reference.iter_rvu(chosen.name))
