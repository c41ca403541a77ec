"""Categories of the per-category rollup, and the E/M families of the level mix.

Categories come from the reference engine (``openrvu.reference.categories``), so the code pages and the
benchmarks name the same groups.
"""

from __future__ import annotations

from openrvu.reference.categories import category_of

CATEGORY_SOURCE = "openrvu.reference.categories (CPT sections and HCPCS Level II letters)"


def category_name(hcpcs: str) -> str:
    """The category a code is rolled up into (never raises)."""
    return category_of(hcpcs).name


# E/M families of the level mix: (key, plain name, codes in level order). Code numbers only; no descriptors.
EM_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("office_new", "Office visit, new patient", ("99202", "99203", "99204", "99205")),
    (
        "office_established",
        "Office visit, established patient",
        ("99211", "99212", "99213", "99214", "99215"),
    ),
    ("hospital_initial", "Hospital inpatient/observation, initial", ("99221", "99222", "99223")),
    ("hospital_subsequent", "Hospital inpatient/observation, subsequent", ("99231", "99232", "99233")),
    ("emergency", "Emergency department visit", ("99281", "99282", "99283", "99284", "99285")),
)


def em_family_rows() -> list[tuple[str, str, str, int]]:
    """(hcpcs, family key, family name, level 1..n) for every E/M code of the level mix."""
    return [
        (code, key, name, level)
        for key, name, codes in EM_FAMILIES
        for level, code in enumerate(codes, start=1)
    ]
