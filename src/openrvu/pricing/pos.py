"""Place of service -> facility / non-facility setting, read from the table in ``data/``.

The table is data, not code (payment-rules.md rule 5): IOM 100-04 ch.12 s.20.4.2 lists the facility
settings; POS 02 (telehealth, not at home) takes the facility rate and POS 10 (telehealth at home) the
non-facility rate from CY2024 (rule 6). An unknown POS is an error, never a guess.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from openrvu.pricing.errors import PricingError


@dataclass(frozen=True, slots=True)
class PlaceOfService:
    """One place-of-service code and the PFS setting whose PE RVU it takes."""

    code: str
    facility: bool
    name: str
    note: str

    @property
    def reason(self) -> str:
        """Plain words for why this setting applies."""
        kind = "facility" if self.facility else "non-facility"
        text = f"POS {self.code} ({self.name}) is a {kind} setting"
        return f"{text}; {self.note}" if self.note else text


@cache
def pos_table() -> dict[str, PlaceOfService]:
    """Every known POS code, keyed by its two-digit code."""
    text = resources.files("openrvu.pricing").joinpath("data/place_of_service.csv").read_text("utf-8")
    table: dict[str, PlaceOfService] = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["pos"]] = PlaceOfService(row["pos"], row["setting"] == "facility", row["name"], row["note"])
    return table


def normalize_pos(pos: str | int) -> str:
    """'2', 2 or ' 02 ' -> '02'; anything that is not a 1-2 digit number is kept as typed (then unknown)."""
    text = str(pos).strip()
    return text.zfill(2) if text.isdigit() and len(text) <= 2 else text


def place_of_service(pos: str | int) -> PlaceOfService:
    """The setting of a POS code; ``PricingError`` for a code not in the table."""
    code = normalize_pos(pos)
    found = pos_table().get(code)
    if found is None:
        raise PricingError(
            f"unknown place of service {str(pos)!r} (expected a CMS POS code such as 11 or 22)", field="pos"
        )
    return found
