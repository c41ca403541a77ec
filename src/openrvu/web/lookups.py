"""The web's calls into the reference, search and pricing libraries, in one place.

Each function turns a library answer into what a page or the API shows, and a library's "not found"
into a :class:`Missing` value the routes turn into a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openrvu.web.services import Services

# The indicators of a PFS row, in the order a code reference lists them, with a label for people.
INDICATORS: tuple[tuple[str, str], ...] = (
    ("status_code", "Status"),
    ("pctc_indicator", "Professional / technical component"),
    ("global_days", "Global surgery period"),
    ("mult_proc", "Multiple procedures"),
    ("bilat_surg", "Bilateral surgery"),
    ("asst_surg", "Assistant at surgery"),
    ("co_surg", "Co-surgeons"),
    ("team_surg", "Team surgery"),
    ("endo_base", "Endoscopic base code"),
)


@dataclass
class Missing:
    """An unknown code: the message to show and the closest known codes."""

    message: str
    closest: list[str] = field(default_factory=list)


def search(svc: Services, q: str, limit: int) -> list[Any]:
    """Ranked hits for ``q`` (any input is safe: the search library quotes it)."""
    return list(svc.searcher.search(q, limit=limit))


def jsonable(value: Any) -> Any:
    """Library values as JSON: Decimal as a string (``"1.30"``, never a float), dates in ISO form."""
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return value


def latest_release(svc: Services) -> Any:
    """The newest loaded release (name, effective date) for the page footer, or None."""
    return None
