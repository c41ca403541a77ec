"""Categories of the per-category rollup, and the E/M families of the level mix.

Both come from the reference engine (``openrvu.reference.categories``), so the code pages, the dashboard
and the benchmarks name the same groups. ``EM_FAMILIES`` is re-exported here for the benchmarks modules.
"""

from __future__ import annotations

from openrvu.reference.categories import EM_FAMILIES, category_of

CATEGORY_SOURCE = "openrvu.reference.categories (CPT sections and HCPCS Level II letters)"


def category_name(hcpcs: str) -> str:
    """The category a code is rolled up into (never raises)."""
    return category_of(hcpcs).name


def em_family_rows() -> list[tuple[str, str, str, int]]:
    """(hcpcs, family key, family name, level 1..n) for every E/M code of the level mix."""
    return [
        (code, key, name, level)
        for key, name, codes in EM_FAMILIES
        for level, code in enumerate(codes, start=1)
    ]
