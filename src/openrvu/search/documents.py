"""The searchable documents: one per code, gathered from the reference database.

A code's document joins what every loaded release says about it (short descriptor of the newest release,
the modifier rows each release has) with its HCPCS Level II long descriptor. Level II codes that are
not on the fee schedule (DME, drugs, orthotics) are documents too, so "knee brace" finds them, but they
are marked so that ranking can prefer fee-schedule codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CodeDocument:
    """Everything the index needs to know about one code."""

    hcpcs: str
    description: str = ""
    long_description: str = ""
    status_code: str = ""
    in_pfs: bool = False
    has_work: bool = False  # a work RVU above zero in some release: a physician's own service
    # (modifier, release) of every row of the code in every loaded release.
    rows: list[tuple[str, str]] = field(default_factory=list)


def release_sort_key(name: str) -> tuple[str, str]:
    """Order release names ("RVU25D" < "RVU26A" < "RVU26C") by year, then letter."""
    return (name[3:5], name[5:])


def from_reference(reference_path: Path) -> tuple[list[str], list[CodeDocument]]:
    """Read the reference database; return the release names and one document per code."""
    from openrvu.reference.db import ReferenceDB

    db = ReferenceDB(reference_path)
    try:
        releases = sorted((r.name for r in db.releases()), key=release_sort_key)
        docs: dict[str, CodeDocument] = {}
        # Oldest first, so the newest release's descriptor and status win.
        for release in releases:
            for row in db.iter_rvu(release):
                doc = docs.setdefault(row.hcpcs, CodeDocument(row.hcpcs))
                doc.in_pfs = True
                doc.rows.append((row.modifier, release))
                doc.has_work = doc.has_work or row.work_rvu > 0
                if row.modifier == "" or not doc.description:
                    doc.description = row.description
                    doc.status_code = row.status_code
        for l2 in db.iter_hcpcs_level2():
            if l2.is_modifier:
                continue
            known = docs.get(l2.hcpcs)
            if known is None:
                if l2.terminated is not None:
                    continue  # a retired supply or drug code that no loaded release prices
                known = docs[l2.hcpcs] = CodeDocument(l2.hcpcs, description=l2.short_description)
            known.long_description = l2.long_description
    finally:
        db.close()
    return releases, sorted(docs.values(), key=lambda d: d.hcpcs)
