"""The category of any HCPCS code, by code range: CPT section and subsection, or HCPCS Level II letter.

Ranges follow the published CPT section layout (code numbers only; no CPT text) and the CMS HCPCS Level II
letter groups. Names are our own plain words.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Category:
    """Where a code sits: ``name`` is what people read ("Surgery / Musculoskeletal System", "G Codes")."""

    name: str
    section: str  # "Surgery", "Evaluation and Management", "HCPCS Level II"
    subsection: str  # "Musculoskeletal System", "G Codes", or "" when the section has none
    description: str  # one line about what the group holds


# (first code, last code, section, subsection) for five-digit numeric CPT codes, in code order.
_CPT_RANGES: tuple[tuple[int, int, str, str], ...] = (
    (100, 1999, "Anesthesia", ""),
    (10004, 10021, "Surgery", "General"),
    (10030, 19499, "Surgery", "Integumentary System"),
    (20100, 29999, "Surgery", "Musculoskeletal System"),
    (30000, 32999, "Surgery", "Respiratory System"),
    (33016, 37799, "Surgery", "Cardiovascular System"),
    (38100, 38999, "Surgery", "Hemic and Lymphatic Systems"),
    (39000, 39599, "Surgery", "Mediastinum and Diaphragm"),
    (40490, 49999, "Surgery", "Digestive System"),
    (50010, 53899, "Surgery", "Urinary System"),
    (54000, 55899, "Surgery", "Male Genital System"),
    (55920, 55980, "Surgery", "Reproductive System and Intersex"),
    (56405, 58999, "Surgery", "Female Genital System"),
    (59000, 59899, "Surgery", "Maternity Care and Delivery"),
    (60000, 60699, "Surgery", "Endocrine System"),
    (61000, 64999, "Surgery", "Nervous System"),
    (65091, 68899, "Surgery", "Eye and Ocular Adnexa"),
    (69000, 69979, "Surgery", "Auditory System"),
    (69990, 69990, "Surgery", "Operating Microscope"),
    (70010, 76499, "Radiology", "Diagnostic Radiology (Imaging)"),
    (76506, 76999, "Radiology", "Diagnostic Ultrasound"),
    (77001, 77022, "Radiology", "Radiologic Guidance"),
    (77046, 77067, "Radiology", "Breast Mammography"),
    (77071, 77092, "Radiology", "Bone and Joint Studies"),
    (77261, 77799, "Radiology", "Radiation Oncology"),
    (78012, 79999, "Radiology", "Nuclear Medicine"),
    (80047, 89398, "Pathology and Laboratory", ""),
    (90281, 99199, "Medicine", ""),
    (99202, 99499, "Evaluation and Management", ""),
    (99500, 99607, "Medicine", "Home Health and Medication Therapy Management"),
)
# Codes in the gaps between subsections still belong to the enclosing section.
_SECTIONS: tuple[tuple[int, int, str], ...] = (
    (100, 1999, "Anesthesia"),
    (10004, 69990, "Surgery"),
    (70010, 79999, "Radiology"),
    (80047, 89398, "Pathology and Laboratory"),
    (90281, 99607, "Medicine"),
)
_STARTS = [r[0] for r in _CPT_RANGES]

_SECTION_TEXT = {
    "Anesthesia": "anesthesia services",
    "Surgery": "surgical procedures",
    "Radiology": "imaging, radiation oncology and nuclear medicine",
    "Pathology and Laboratory": "laboratory tests and pathology",
    "Medicine": "medical services and diagnostics that are not surgery or imaging",
    "Evaluation and Management": "visits and other evaluation and management services",
}

_SUFFIXED = {
    "F": ("CPT Category II", "performance measurement tracking codes"),
    "T": ("CPT Category III", "temporary codes for emerging technology and services"),
    "U": ("Proprietary Laboratory Analyses", "proprietary laboratory analysis codes"),
    "M": ("Multianalyte Assays", "multianalyte assays with algorithmic analyses"),
}

LEVEL2 = {
    "A": "transportation, medical and surgical supplies, miscellaneous and experimental",
    "B": "enteral and parenteral therapy",
    "C": "outpatient prospective payment system (temporary hospital codes)",
    "D": "dental procedures",
    "E": "durable medical equipment",
    "G": "procedures and professional services",
    "H": "alcohol and drug abuse treatment services",
    "J": "drugs administered other than oral method",
    "K": "temporary codes for durable medical equipment",
    "L": "orthotic and prosthetic procedures and devices",
    "M": "medical services and quality measures",
    "P": "pathology and laboratory services",
    "Q": "temporary codes",
    "R": "diagnostic radiology services",
    "S": "temporary national codes (non-Medicare)",
    "T": "national codes established for state Medicaid agencies",
    "U": "coronavirus laboratory tests",
    "V": "vision, hearing and speech-language pathology services",
}

UNKNOWN = Category("Other codes", "Other", "", "codes outside the CPT and HCPCS Level II ranges")


#: The E/M visit families of a level mix (dashboard and national benchmarks alike):
#: (key, plain name, codes in level order). Code numbers and our own names only; no CPT descriptors.
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


@lru_cache(maxsize=65536)
def category_of(code: str) -> Category:
    """The category of a code (``"27447"``: Surgery / Musculoskeletal System; ``"G0320"``: G Codes)."""
    code = code.strip().upper()
    if len(code) != 5 or not code.isalnum():
        return UNKNOWN
    if code.isdigit():
        return _cpt(int(code))
    if code[:4].isdigit() and code[4] in _SUFFIXED:
        name, text = _SUFFIXED[code[4]]
        return Category(name, name, "", text)
    # By letter alone: CMS also lists placeholders such as "GXXX1" for codes not yet numbered.
    if code[0] in LEVEL2 and any(c.isdigit() for c in code[1:]):
        name = f"{code[0]} Codes"
        return Category(name, "HCPCS Level II", name, LEVEL2[code[0]])
    return UNKNOWN


def _cpt(number: int) -> Category:
    i = bisect_right(_STARTS, number) - 1
    if i >= 0:
        first, last, section, subsection = _CPT_RANGES[i]
        if first <= number <= last:
            name = f"{section} / {subsection}" if subsection else section
            return Category(name, section, subsection, _SECTION_TEXT[section])
    for first, last, section in _SECTIONS:
        if first <= number <= last:
            return Category(section, section, "", _SECTION_TEXT[section])
    return Category("CPT (other)", "CPT", "", "CPT codes outside the published section ranges")
