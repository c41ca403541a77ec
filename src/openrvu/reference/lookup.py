"""Everything about one code, as a JSON-ready dict: ``code_info(db, "27447")``.

Numbers are strings with two decimals (conversion factors four), so JSON keeps them exact. The dict is the
single shape the CLI (``openrvu code --json``), the web pages and the API show.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import openrvu.knowledge as knowledge
from openrvu.cms.indicators import describe, is_paid_status, meaning
from openrvu.cms.models import HcpcsLevel2Row, Release, RvuRow
from openrvu.reference.categories import category_of
from openrvu.reference.db import ReferenceDB
from openrvu.reference.errors import UnknownCode

# Keys that only a PPRRVU row fills: null for a HCPCS Level II code the release does not list.
_ROW_ONLY_KEYS = (
    "work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu", "mp_rvu", "nonfacility_total", "facility_total",
    "pctc_indicator", "global_days", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg",
    "endo_base", "status_code", "status_meaning", "comparison", "pre_op", "intra_op", "post_op",
    "na_indicators",
)  # fmt: skip
_CENTS = Decimal("0.01")
_CF = Decimal("0.0001")


def money2(value: Decimal | None) -> str | None:
    """A Decimal as a string with two decimals (``Decimal("1.3")`` -> ``"1.30"``)."""
    return None if value is None else str(value.quantize(_CENTS))


def cf4(value: Decimal | None) -> str | None:
    """A conversion factor as a string with four decimals."""
    return None if value is None else str(value.quantize(_CF))


def closest_codes(db: ReferenceDB, release: str, code: str, limit: int = 5) -> list[str]:
    """The loaded codes nearest to a mistyped one (edit distance, then code order)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    choices = db.codes(release)
    found = process.extract(
        code.upper(), choices, scorer=Levenshtein.distance, limit=limit * 4, score_cutoff=2
    )
    ranked = sorted(found, key=lambda hit: (hit[1], hit[0]))
    return [hit[0] for hit in ranked[:limit]]


def _select_release(db: ReferenceDB, release: str | None, on_date: date | None) -> tuple[Release, list[str]]:
    if release and on_date:
        raise ValueError("give a release or a date of service, not both")
    if release:
        return db.release(release), []
    if on_date:
        return db.release_for_date(on_date)
    return db.latest_release(), []


def code_info(
    db: ReferenceDB,
    hcpcs: str,
    modifier: str = "",
    *,
    release: str | None = None,
    on_date: date | None = None,
) -> dict[str, Any]:
    """Everything about a code in one release (``release``, or the one in force ``on_date``, or the latest).

    Raises :class:`UnknownCode` (with the closest codes) when neither the release nor the HCPCS Level II
    file knows the code, and :class:`~openrvu.reference.errors.UnknownRelease` /
    :class:`~openrvu.reference.errors.NoReleaseForDate` when the release cannot be chosen.
    """
    code, mod = hcpcs.strip().upper(), modifier.strip().upper()
    rel, warnings = _select_release(db, release, on_date)
    row = db.rvu(rel.name, code, mod)
    level2 = db.hcpcs_level2(code) if len(code) == 5 else None
    all_rows = db.rvu_rows(rel.name, code)
    if row is None:
        if all_rows:
            # The code exists, the modifier row does not: point at the rows that do.
            rows = [f"{code}-{r.modifier}" if r.modifier else code for r in all_rows]
            raise UnknownCode(code, rel.name, rows, mod)
        if level2 is None or mod:
            raise UnknownCode(code, rel.name, closest_codes(db, rel.name, code), mod)
        info = _level2_only(code, rel, level2)
        info["warnings"] = [*warnings, *info["warnings"]]
        info.update(_knowledge_sections(info))
        return info
    info = _from_row(db, rel, row, level2, all_rows)
    info["warnings"] = [*warnings, *_row_warnings(row)]
    info.update(_knowledge_sections(info))
    return info


def _from_row(
    db: ReferenceDB, rel: Release, row: RvuRow, level2: HcpcsLevel2Row | None, all_rows: list[RvuRow]
) -> dict[str, Any]:
    category = category_of(row.hcpcs)
    return {
        "hcpcs": row.hcpcs,
        "modifier": row.modifier,
        "release": rel.name,
        "effective_date": rel.effective_date.isoformat(),
        "description": row.description,
        "long_description": level2.long_description if level2 else None,
        "status_code": row.status_code,
        "status_meaning": meaning("status_code", row.status_code),
        "not_used_for_medicare_payment": row.not_used_for_medicare,
        "work_rvu": money2(row.work_rvu),
        "nonfacility_pe_rvu": money2(row.nonfac_pe_rvu),
        "facility_pe_rvu": money2(row.fac_pe_rvu),
        "mp_rvu": money2(row.mp_rvu),
        "nonfacility_total": money2(row.nonfac_total),
        "facility_total": money2(row.fac_total),
        "pctc_indicator": row.pctc,
        "global_days": row.global_days,
        "mult_proc": row.mult_proc,
        "bilat_surg": row.bilat_surg,
        "asst_surg": row.asst_surg,
        "co_surg": row.co_surg,
        "team_surg": row.team_surg,
        "endo_base": row.endo_base or None,
        "conv_factor": cf4(row.conv_factor),
        "modifier_rows": [r.modifier for r in all_rows if r.modifier != row.modifier],
        "category": category.name,
        "comparison": comparison(db, rel.name, row),
        "history": history(db, row.hcpcs, row.modifier),
        "indicators": describe(row),
        "pre_op": money2(row.pre_op),
        "intra_op": money2(row.intra_op),
        "post_op": money2(row.post_op),
        "na_indicators": {"nonfacility": row.nonfac_na, "facility": row.fac_na},
        "warnings": [],
    }


def _level2_only(code: str, rel: Release, level2: HcpcsLevel2Row) -> dict[str, Any]:
    """A HCPCS Level II code the PFS release does not list: descriptors only, no RVUs."""
    info: dict[str, Any] = dict.fromkeys(_ROW_ONLY_KEYS)
    info.update(
        {
            "hcpcs": code,
            "modifier": "",
            "release": rel.name,
            "effective_date": rel.effective_date.isoformat(),
            "description": level2.short_description,
            "long_description": level2.long_description,
            "not_used_for_medicare_payment": None,
            "conv_factor": cf4(rel.conv_factor),
            "modifier_rows": [],
            "category": category_of(code).name,
            "history": [],
            "indicators": {},
            "warnings": [
                f"{code} is a HCPCS Level II code that release {rel.name} of the physician fee schedule "
                "does not list: it is paid under another Medicare fee schedule, if at all"
                + (f" (terminated {level2.terminated.isoformat()})" if level2.terminated else "")
            ],
        }
    )
    return info


def comparison(db: ReferenceDB, release: str, row: RvuRow) -> dict[str, Any] | None:
    """How the code's work RVU compares within its category (global rows of the same release)."""
    category = category_of(row.hcpcs).name
    stats = db.category_stats(release, category)
    if stats is None or stats.codes == 0:
        return None
    out: dict[str, Any] = {
        "category": category,
        "codes_in_category": stats.codes,
        "median_work_rvu": money2(stats.median),
    }
    if row.work_rvu == 0:
        share = round(100 * stats.zero_work / stats.codes)
        out.update(
            {
                "characteristic": "no work RVU",
                "share_percent": share,
                "percentile": None,
                "text": f"In the {category} category, {share}% of codes share this characteristic",
            }
        )
    else:
        below = stats.share_below(row.work_rvu)
        out.update(
            {
                "characteristic": "work RVU",
                "share_percent": None,
                "percentile": below,
                "text": (
                    f"In the {category} category ({stats.codes:,} codes), {row.hcpcs} has a higher work RVU "
                    f"than {below}% of codes; the median is {money2(stats.median)}"
                ),
            }
        )
    return out


def history(db: ReferenceDB, hcpcs: str, modifier: str) -> list[dict[str, Any]]:
    """The same (code, modifier) in every loaded release, oldest first."""
    out = []
    for rel in db.releases():
        row = db.rvu(rel.name, hcpcs, modifier)
        if row is not None:
            out.append(
                {
                    "release": rel.name,
                    "effective_date": rel.effective_date.isoformat(),
                    "work_rvu": money2(row.work_rvu),
                    "nonfacility_total": money2(row.nonfac_total),
                    "facility_total": money2(row.fac_total),
                    "status_code": row.status_code,
                }
            )
    return out


def _row_warnings(row: RvuRow) -> list[str]:
    """What a reader must not miss about a row."""
    out = []
    if row.not_used_for_medicare:
        out.append("The RVUs of this code are shown for reference but not used for Medicare payment")
    if not is_paid_status(row.status_code):
        if row.status_code == "C":
            out.append(
                "Contractor-priced: the MAC sets the amount; 0.00 here is not the value of the service"
            )
        else:
            out.append(f"Status {row.status_code}: not paid separately under the physician fee schedule")
    if row.nonfac_na:
        out.append("Non-facility PE is NA: the service is rarely or never done outside a facility")
    return out


def _knowledge_sections(info: dict[str, Any]) -> dict[str, Any]:
    """Extra sections from :mod:`openrvu.knowledge` (plain-language name, FAQ, ...).

    The one place they join ``code_info``: when ``openrvu.knowledge`` defines
    ``code_sections(info) -> dict``, its keys are added to the result.
    """
    provider = getattr(knowledge, "code_sections", None)
    return dict(provider(info)) if callable(provider) else {}
