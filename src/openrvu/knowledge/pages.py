"""The plain-language sections of a code page: name, synonyms, context, specialties, billing notes, FAQ.

:func:`describe` works on a PPRRVU row; :func:`code_sections` on the dict that
``openrvu.reference.lookup.code_info`` builds (which also covers HCPCS Level II codes a release does
not list). Both always return a non-empty ``plain_language`` and ``faq``: a code outside the lay-term
table gets a name generated at run time from its abbreviation-expanded descriptor and notes from its
category, so no code has an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openrvu.cms.models import RvuRow
from openrvu.knowledge.abbreviations import expand_descriptor
from openrvu.knowledge.categories import indicator_note, note, section_key, section_notes
from openrvu.knowledge.lay_terms import lay_terms

_CENTS = Decimal("0.01")
_PAID = frozenset({"A", "R", "T"})
# Indicator values that only say "this concept does not apply": no note is worth showing for them.
_NOT_APPLICABLE = {
    "pctc": "9",
    "mult_proc": "9",
    "bilat_surg": "9",
    "asst_surg": "9",
    "co_surg": "9",
    "team_surg": "9",
}
_INDICATORS = ("global_days", "pctc", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg")


@dataclass(frozen=True, slots=True)
class _Facts:
    """The parts of a code that its page talks about, from a PPRRVU row or a ``code_info`` dict."""

    hcpcs: str
    modifier: str
    description: str
    long_description: str | None
    release: str | None
    status_code: str | None  # None: the release does not list the code (HCPCS Level II only)
    not_used_for_medicare: bool
    work_rvu: Decimal | None
    nonfac_total: Decimal | None
    fac_total: Decimal | None
    conv_factor: Decimal | None
    nonfac_na: bool
    fac_na: bool
    indicators: dict[str, str]
    category_name: str | None
    comparison_text: str | None


def describe(
    row: RvuRow,
    *,
    long_description: str | None = None,
    category_name: str | None = None,
    comparison_text: str | None = None,
    release: str | None = None,
) -> dict[str, Any]:
    """Plain-language sections for one PPRRVU row.

    Returns ``plain_language``, ``also_known_as`` (list), ``clinical_context``, ``specialties`` (list),
    ``billing_notes`` (list) and ``faq`` (list of ``{"question", "answer"}``).
    """
    facts = _Facts(
        hcpcs=row.hcpcs,
        modifier=row.modifier,
        description=row.description,
        long_description=long_description,
        release=release,
        status_code=row.status_code,
        not_used_for_medicare=row.not_used_for_medicare,
        work_rvu=row.work_rvu,
        nonfac_total=row.nonfac_total,
        fac_total=row.fac_total,
        conv_factor=row.conv_factor,
        nonfac_na=row.nonfac_na,
        fac_na=row.fac_na,
        indicators={name: str(getattr(row, name)) for name in _INDICATORS},
        category_name=category_name,
        comparison_text=comparison_text,
    )
    return _sections(facts)


def code_sections(info: dict[str, Any]) -> dict[str, Any]:
    """The same sections for a ``code_info`` dict (the hook ``openrvu.reference.lookup`` calls)."""
    comparison = info.get("comparison")
    na = info.get("na_indicators") or {}
    facts = _Facts(
        hcpcs=str(info.get("hcpcs") or ""),
        modifier=str(info.get("modifier") or ""),
        description=str(info.get("description") or ""),
        long_description=info.get("long_description"),
        release=info.get("release"),
        status_code=info.get("status_code"),
        not_used_for_medicare=bool(info.get("not_used_for_medicare_payment")),
        work_rvu=_decimal(info.get("work_rvu")),
        nonfac_total=_decimal(info.get("nonfacility_total")),
        fac_total=_decimal(info.get("facility_total")),
        conv_factor=_decimal(info.get("conv_factor")),
        nonfac_na=bool(na.get("nonfacility")),
        fac_na=bool(na.get("facility")),
        indicators={name: str(info[key]) for name, key in _INFO_KEYS.items() if info.get(key) is not None},
        category_name=info.get("category"),
        comparison_text=comparison.get("text") if isinstance(comparison, dict) else None,
    )
    return _sections(facts)


_INFO_KEYS = {
    "global_days": "global_days",
    "pctc": "pctc_indicator",
    "mult_proc": "mult_proc",
    "bilat_surg": "bilat_surg",
    "asst_surg": "asst_surg",
    "co_surg": "co_surg",
    "team_surg": "team_surg",
}


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _sections(facts: _Facts) -> dict[str, Any]:
    term = lay_terms().get(facts.hcpcs.upper())
    sections = section_notes(section_key(facts.hcpcs))
    specific = sections[-1]
    if term is not None:
        plain, aka = term.plain_language, list(term.also_known_as)
        context, specialties = term.clinical_context, list(term.specialties)
    else:
        plain, aka = _generated_name(facts), []
        context = specific.clinical_context
        if facts.long_description and facts.long_description.strip().lower() != plain.lower():
            context += f" CMS describes it as: {facts.long_description.strip()}"
        specialties = list(specific.specialties)
    notes = _billing_notes(facts, [n for s in sections for n in s.notes])
    return {
        "plain_language": plain,
        "also_known_as": aka,
        "clinical_context": context,
        "specialties": specialties,
        "billing_notes": notes,
        "faq": _faq(facts, plain, context, specialties, specific.name),
    }


def _generated_name(facts: _Facts) -> str:
    """A name built at run time from the user's descriptor; never stored."""
    for text in (facts.description, facts.long_description):
        if text and text.strip():
            return expand_descriptor(text.strip())
    return f"Code {facts.hcpcs}"


def _billing_notes(facts: _Facts, section_notes_text: list[str]) -> list[str]:
    notes = list(section_notes_text)
    if facts.status_code is None:
        notes.append(
            "This code is not listed in the physician fee schedule release shown: it has no RVUs there "
            "and is paid under another Medicare fee schedule, if at all."
        )
    else:
        status = indicator_note("status_code", facts.status_code)
        if status:
            notes.append(status)
    if facts.not_used_for_medicare:
        notes.append(note("not_used_for_medicare"))
    modifier_note = indicator_note("modifier", facts.modifier) if facts.modifier else None
    if modifier_note:
        notes.append(modifier_note)
    for name, value in facts.indicators.items():
        if _NOT_APPLICABLE.get(name) == value:
            continue
        text = indicator_note(name, value)
        if text:
            notes.append(text)
    if facts.nonfac_na:
        notes.append(indicator_note("na", "nonfacility") or "")
    if facts.fac_na:
        notes.append(indicator_note("na", "facility") or "")
    return [n for n in dict.fromkeys(notes) if n]


def _money(value: Decimal) -> str:
    return f"${value.quantize(_CENTS, rounding=ROUND_HALF_UP):,}"


def _faq(
    facts: _Facts, plain: str, context: str, specialties: list[str], section: str
) -> list[dict[str, str]]:
    code = facts.hcpcs + (f"-{facts.modifier}" if facts.modifier else "")
    what = f"{code} stands for: {plain.rstrip('.')}. It is in the {facts.category_name or section} category."
    who = (
        f"It is typically billed by {_join(specialties)}."
        if specialties
        else "No specialty is typical for it; any eligible clinician or supplier may report it."
    )
    return [
        {"question": f"What is code {code}?", "answer": what},
        {"question": f"Who uses code {code}?", "answer": who},
        {"question": f"When is code {code} used?", "answer": context},
        {"question": f"How many RVUs is code {code} worth?", "answer": _rvu_answer(facts, code)},
        {"question": f"How is code {code} paid?", "answer": _payment_answer(facts, code)},
    ]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _rvu_answer(facts: _Facts, code: str) -> str:
    release = f"release {facts.release}" if facts.release else "this release"
    if facts.status_code is None or facts.work_rvu is None:
        return f"{code} has no relative value units in {release} of the Medicare physician fee schedule."
    answer = (
        f"In {release}, {code} has a work RVU of {facts.work_rvu:.2f}, a total of "
        f"{facts.nonfac_total or Decimal(0):.2f} RVUs in a non-facility setting such as an office and "
        f"{facts.fac_total or Decimal(0):.2f} in a facility such as a hospital."
    )
    if facts.work_rvu == 0:
        answer += " A work RVU of 0.00 means CMS assigns it no physician work component."
    if facts.comparison_text:
        answer += f" {facts.comparison_text}."
    if facts.not_used_for_medicare or facts.status_code not in _PAID:
        answer += " These RVUs are not used for Medicare payment of this code."
    return answer


def _payment_answer(facts: _Facts, code: str) -> str:
    if facts.status_code is None:
        return (
            f"{code} is not priced by the physician fee schedule release shown; Medicare pays it, if at all, "
            "under another fee schedule (for example equipment, drugs or the clinical lab fee schedule)."
        )
    parts = [indicator_note("status_code", facts.status_code) or f"Status {facts.status_code}."]
    if facts.status_code in _PAID and not facts.not_used_for_medicare and facts.conv_factor:
        amounts = []
        if not facts.nonfac_na and facts.nonfac_total:
            amounts.append(f"{_money(facts.nonfac_total * facts.conv_factor)} in a non-facility setting")
        if not facts.fac_na and facts.fac_total:
            amounts.append(f"{_money(facts.fac_total * facts.conv_factor)} in a facility")
        if amounts:
            parts.append(
                f"Before the geographic (GPCI) adjustment, the national amount at a conversion factor of "
                f"{facts.conv_factor} is about {' and '.join(amounts)}."
            )
    for name in ("global_days", "pctc"):
        value = facts.indicators.get(name)
        text = (
            indicator_note(name, value) if value is not None and _NOT_APPLICABLE.get(name) != value else None
        )
        if text:
            parts.append(text)
    return " ".join(parts)
