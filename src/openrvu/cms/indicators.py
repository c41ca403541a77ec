"""The PPRRVU indicator values in words.

Source: the CMS RVU file documentation (``cms_docs/RVU25D_documentation.txt``, Attachment A and the record
layout) and ``docs/payment-rules.md``. Wording is ours, kept short enough for a table cell.
"""

from __future__ import annotations

from openrvu.cms.models import RvuRow

# Only these status codes are paid under the physician fee schedule (T only when nothing else is billed).
PAID_STATUS = frozenset({"A", "R", "T"})

STATUS = {
    "A": "Active code: paid separately under the fee schedule when covered",
    "B": "Bundled code: payment is included in other services; RVUs shown are not used for payment",
    "C": "Contractor-priced: the MAC sets the payment case by case; there is no national amount",
    "D": "Deleted code",
    "E": "Excluded from the fee schedule by regulation",
    "F": "Deleted or discontinued code (no grace period)",
    "G": "Not valid for Medicare: another code is used (90-day grace period)",
    "H": "Deleted modifier: this component is no longer valid",
    "I": "Not valid for Medicare: another code is used (no grace period)",
    "J": "Anesthesia service: no RVUs; paid with anesthesia base and time units",
    "M": "Measurement code: reporting only, no payment",
    "N": "Non-covered service: not covered by Medicare",
    "P": "Bundled or excluded: no RVUs and no separate payment",
    "R": "Restricted coverage: special coverage instructions; contractor-priced if covered",
    "T": "Injection: paid only when no other fee schedule service is billed that day",
    "X": "Statutory exclusion: not a 'physician service'; no fee schedule payment",
}

PCTC = {
    "0": "Physician service: modifiers 26 and TC do not apply",
    "1": "Diagnostic test with professional (26) and technical (TC) components",
    "2": "Professional component only code",
    "3": "Technical component only code",
    "4": "Global test only code",
    "5": "Incident-to code: not payable for hospital patients",
    "6": "Laboratory physician interpretation code: TC does not apply",
    "7": "Physical therapy service not payable in hospital settings by independent therapists",
    "8": "Physician interpretation code (abnormal smear for hospital inpatients)",
    "9": "Professional/technical split does not apply",
}

GLOBAL_DAYS = {
    "000": "0-day global: pre- and post-operative work on the day of the procedure only",
    "010": "10-day global: minor procedure with a 10-day post-operative period",
    "090": "90-day global: major surgery, 1 day before and 90 days after",
    "MMM": "Maternity code: the usual global period does not apply",
    "XXX": "Global period does not apply",
    "YYY": "Contractor sets the global period",
    "ZZZ": "Add-on code: falls within the global period of its primary service",
}

MULT_PROC = {
    "0": "No multiple-procedure reduction",
    "1": "Pre-1995 multiple-procedure rule: 100/50/25/25/25% then by report",
    "2": "Standard multiple-procedure rule: 100% for the highest, 50% for each other",
    "3": "Multiple endoscopy rule: values within the endoscopic family are reduced by the base code",
    "4": "Diagnostic imaging rule: reduced technical (50%) and professional (5%) components in one session",
    "5": "Therapy rule: 50% reduction of practice expense for later services",
    "6": "Diagnostic cardiovascular rule: 25% reduction of later technical components",
    "7": "Diagnostic ophthalmology rule: 20% reduction of later technical components",
    "9": "Multiple-procedure concept does not apply",
}

BILAT_SURG = {
    "0": "No 150% bilateral payment: both sides paid at 100% of one side",
    "1": "Bilateral adjustment applies: 150% of one side when done on both sides",
    "2": "Already a bilateral procedure: 100% when reported bilaterally",
    "3": "Each side paid at 100% (radiology and other diagnostic tests)",
    "9": "Bilateral concept does not apply",
}

ASST_SURG = {
    "0": "Assistant at surgery paid only with documentation of medical necessity",
    "1": "Assistant at surgery may not be paid",
    "2": "Assistant at surgery may be paid",
    "9": "Assistant-at-surgery concept does not apply",
}

CO_SURG = {
    "0": "Co-surgeons not permitted",
    "1": "Co-surgeons paid with documentation of medical necessity",
    "2": "Co-surgeons permitted without documentation (two specialties)",
    "9": "Co-surgeon concept does not apply",
}

TEAM_SURG = {
    "0": "Team surgery not permitted",
    "1": "Team surgery paid by report with documentation of medical necessity",
    "2": "Team surgery permitted; paid by report",
    "9": "Team surgery concept does not apply",
}

SUPERVISION = {
    "01": "General supervision by a physician",
    "02": "Direct supervision by a physician",
    "03": "Personal supervision by a physician",
    "04": "Supervision does not apply for a qualified psychologist; otherwise general supervision",
    "05": "Supervision does not apply for a qualified audiologist; otherwise general supervision",
    "06": "Performed by a physician or an ABPTS-certified physical therapist",
    "09": "Supervision concept does not apply",
    "21": "Certified technician under general supervision; otherwise direct supervision",
    "22": "Technician with on-line real-time contact with a physician",
    "66": "Physician or ABPTS-certified physical therapist certified in this procedure",
    "6A": "Level 66 rules; the certified therapist may also supervise another therapist",
    "77": "Certified PT, uncertified PT under direct supervision, or certified technician under general",
    "7A": "Level 77 rules; the certified therapist may also supervise another therapist",
}

IMAGING_FAMILY = {
    "01": "Ultrasound (chest/abdomen/pelvis, non-obstetrical)",
    "02": "CT and CTA (chest/thorax/abdomen/pelvis)",
    "03": "CT and CTA (head/brain/orbit/maxillofacial/neck)",
    "04": "MRI and MRA (chest/abdomen/pelvis)",
    "05": "MRI and MRA (head/brain/neck)",
    "06": "MRI and MRA (spine)",
    "07": "CT (spine)",
    "08": "MRI and MRA (lower extremities)",
    "09": "CT and CTA (lower extremities)",
    "10": "MR and MRI (upper extremities and joints)",
    "11": "CT and CTA (upper extremities)",
    "88": "Subject to the diagnostic imaging reductions (technical and professional components)",
    "99": "Imaging family concept does not apply",
}

NA_INDICATOR = {
    True: "NA: rarely or never performed in this setting",
    False: "Priced in this setting",
}

# Indicator name -> (table, label); the order is the order people read them in.
TABLES: dict[str, tuple[dict[str, str], str]] = {
    "status_code": (STATUS, "Status"),
    "pctc": (PCTC, "PC/TC indicator"),
    "global_days": (GLOBAL_DAYS, "Global period"),
    "mult_proc": (MULT_PROC, "Multiple procedures (modifier 51)"),
    "bilat_surg": (BILAT_SURG, "Bilateral surgery (modifier 50)"),
    "asst_surg": (ASST_SURG, "Assistant at surgery (modifiers 80/81/82/AS)"),
    "co_surg": (CO_SURG, "Co-surgeons (modifier 62)"),
    "team_surg": (TEAM_SURG, "Team surgery (modifier 66)"),
    "supervision": (SUPERVISION, "Physician supervision of diagnostic procedures"),
    "imaging_family": (IMAGING_FAMILY, "Diagnostic imaging family"),
}


def meaning(indicator: str, value: str) -> str:
    """The meaning of one indicator value in words; unknown values say so instead of failing."""
    table, _ = TABLES[indicator]
    if value in table:
        return table[value]
    return "Not set" if not value else f"Unknown value {value!r} (not in the CMS documentation we have)"


def is_paid_status(status_code: str) -> bool:
    """True for the status codes whose RVUs are used for Medicare payment (A, R, T)."""
    return status_code in PAID_STATUS


def describe(row: RvuRow) -> dict[str, dict[str, str]]:
    """Every indicator of a row: ``{name: {"label", "value", "meaning"}}``."""
    out: dict[str, dict[str, str]] = {}
    for name, (_, label) in TABLES.items():
        value = str(getattr(row, name))
        out[name] = {"label": label, "value": value, "meaning": meaning(name, value)}
    out["nonfac_na"] = {
        "label": "Non-facility NA indicator",
        "value": "NA" if row.nonfac_na else "",
        "meaning": NA_INDICATOR[row.nonfac_na],
    }
    out["fac_na"] = {
        "label": "Facility NA indicator",
        "value": "NA" if row.fac_na else "",
        "meaning": NA_INDICATOR[row.fac_na],
    }
    out["not_used_for_medicare"] = {
        "label": "Not used for Medicare payment",
        "value": "+" if row.not_used_for_medicare else "",
        "meaning": (
            "RVUs are shown but not used for Medicare payment"
            if row.not_used_for_medicare
            else "RVUs are used as shown"
        ),
    }
    if row.pric_ind is not None:
        out["pric_ind"] = {
            "label": "Pricing indicator (CY2026 column)",
            "value": row.pric_ind,
            "meaning": "Shown as CMS gives it: the CY2026 documentation of this column is not in our sources",
        }
    if row.endo_base:
        out["endo_base"] = {
            "label": "Endoscopic base code",
            "value": row.endo_base,
            "meaning": f"Multiple endoscopy rules use {row.endo_base} as this code's base procedure",
        }
    return out
