"""Modifiers: which ones change the price, which ones only inform, and which RVU row a line uses.

Payment modifiers are handled by the engine (payment-rules.md rules 8-16, 20). Informational modifiers
(distinct service, anatomic site, telehealth, repeat procedure, ...) change nothing in the allowed amount
and are accepted and noted. Anything else is an error, so that a typo never prices silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from openrvu.pricing.errors import PricingError

#: Modifiers with a payment effect; the engine handles each one.
PAYMENT_MODIFIERS = frozenset(
    {
        "26",
        "TC",
        "50",
        "52",
        "53",
        "54",
        "55",
        "56",
        "62",
        "66",
        "80",
        "81",
        "82",
        "AS",
        "22",
        "QK",
        "QX",
        "QY",
    }
)

#: Modifiers accepted as information only (they never change the CMS amount here).
INFORMATIONAL_MODIFIERS = frozenset(
    {
        "RT",
        "LT",
        "51",
        "25",
        "57",
        "24",
        "58",
        "59",
        "XE",
        "XS",
        "XP",
        "XU",
        "76",
        "77",
        "78",
        "79",
        "91",
        "93",
        "95",
        "GT",
        "GQ",
        "FQ",
        "FR",
        "GA",
        "GX",
        "GY",
        "GZ",
        "KX",
        "Q5",
        "Q6",
        "GC",
        "GE",
        "GV",
        "GW",
        "FS",
        "FT",
        "CR",
        "CS",
        "33",
        "SA",
        "SB",
        "GP",
        "GO",
        "GN",
        "CO",
        "CQ",
        "KS",
        "JW",
        "JZ",
        "AI",
        "AA",
        "QZ",
        "AD",
        "23",
        "47",
        "LC",
        "LD",
        "LM",
        "RC",
        "RI",
        "E1",
        "E2",
        "E3",
        "E4",
        "FA",
        "F1",
        "F2",
        "F3",
        "F4",
        "F5",
        "F6",
        "F7",
        "F8",
        "F9",
        "TA",
        "T1",
        "T2",
        "T3",
        "T4",
        "T5",
        "T6",
        "T7",
        "T8",
        "T9",
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
        "P6",
        "99",
    }
)

KNOWN_MODIFIERS = PAYMENT_MODIFIERS | INFORMATIONAL_MODIFIERS

#: Codes that have their own -53 rows in the RVU file (RVU25D documentation, Modifier field).
OWN_53_ROWS = frozenset({"44388", "45378", "G0105", "G0121"})

MAX_MODIFIERS = 4


def parse_modifiers(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """'26:59', '26 59', '26,59' or a list -> ('26', '59'), upper-cased, blanks dropped, order kept."""
    if value is None:
        return ()
    parts = (
        value.replace(",", " ").replace(":", " ").replace(";", " ").split()
        if isinstance(value, str)
        else [str(p).strip() for p in value]
    )
    return tuple(p.upper() for p in parts if p)


def check_modifiers(mods: tuple[str, ...]) -> None:
    """Reject unknown modifiers, more than four, repeats, and 26 with TC (rule 8)."""
    if len(mods) > MAX_MODIFIERS:
        raise PricingError(
            f"{len(mods)} modifiers given; a claim line carries at most {MAX_MODIFIERS}", field="modifiers"
        )
    for mod in mods:
        if mod not in KNOWN_MODIFIERS:
            raise PricingError(f"unknown modifier {mod!r}", field="modifiers")
    if len(set(mods)) != len(mods):
        raise PricingError(f"a modifier is repeated in {':'.join(mods)}", field="modifiers")
    if "26" in mods and "TC" in mods:
        raise PricingError(
            "modifiers 26 and TC together: bill the global code (no modifier) instead", field="modifiers"
        )


def row_modifier(hcpcs: str, mods: tuple[str, ...]) -> str:
    """The modifier of the RVU row a line is priced from: '26', 'TC', '53' (four codes only) or ''."""
    if "26" in mods:
        return "26"
    if "TC" in mods:
        return "TC"
    if "53" in mods and hcpcs in OWN_53_ROWS:
        return "53"
    return ""
