"""The web's calls into the reference, search and pricing libraries, in one place.

Each function turns a library answer into what a page or the API shows, and a library's "not found"
into a :class:`Missing` value the routes turn into a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openrvu.web.services import Services


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


# Place of service used for each setting of the payment card: office (non-facility) and
# outpatient hospital (facility), the two settings the fee schedule prices.
SETTINGS_POS = (
    ("nonfacility", "11", "Non-facility (office, POS 11)"),
    ("facility", "22", "Facility (hospital outpatient, POS 22)"),
)


NATIONAL = "national"


def payment(svc: Services, hcpcs: str, modifier: str, *, locality: str, zip_code: str) -> dict[str, Any]:
    """The allowed amount of one unit of a code in both settings at a locality or ZIP, priced by
    ``openrvu.pricing`` for today's date (with the latest release while no loaded release covers
    today's year, as the log and the planner do), with the coding warnings of the code billed alone;
    ``{"error": ...}`` when the input cannot be priced."""
    from datetime import date

    from openrvu.pricing.errors import PricingError
    from openrvu.pricing.model import LineInput

    # On 1 January, before the year's release is loaded, the card shows the latest release's amounts
    # (it names the release) rather than an error on every code page.
    today = date.today()
    on = svc.catalog.awaited_stand_in(today) or today
    where = zip_code.strip() or locality.strip() or NATIONAL
    # The tracker's pricing service knows "national" (every GPCI 1.000) besides localities and ZIPs.
    service = svc.catalog.pricing
    mods = (modifier.strip().upper(),) if modifier.strip() else ()
    settings = []
    for key, pos, label in SETTINGS_POS:
        try:
            result = service.price([LineInput(hcpcs.strip().upper(), mods, 1, pos)], on=on, locality=where)
        except PricingError as exc:
            return {"error": exc.detail, "field": exc.field, "where": where}
        settings.append({"key": key, "label": label, "line": result.lines[0]})
    first = settings[0]["line"]
    name = "National (GPCI 1.000)" if where == NATIONAL else f"{first.carrier}-{first.locality}"
    # the coding checks of the code billed alone (add-on without primary, status): same in both settings
    warnings = service.coding_warnings([LineInput(hcpcs.strip().upper(), mods)], on=on)
    return {
        "where": where,
        "settings": settings,
        "name": name,
        "national": where == NATIONAL,
        "warnings": warnings,
    }


def code(
    svc: Services, hcpcs: str, modifier: str = "", *, release: str | None = None, on_date: Any = None
) -> dict[str, Any] | Missing:
    """``code_info`` of the reference library (the keys of ``openrvu code --json``), or :class:`Missing`."""
    from openrvu.reference.errors import NoReleaseForDate, UnknownCode, UnknownRelease
    from openrvu.reference.lookup import code_info

    code_text, mod_text = hcpcs.strip().upper(), modifier.strip().upper()
    if len(code_text) > 10 or len(mod_text) > 2:
        return Missing(f"{hcpcs[:20]!r} is not a HCPCS code: a code is 5 letters or digits, a modifier 2.")
    try:
        return code_info(svc.reference, code_text, mod_text, release=release, on_date=on_date)
    except UnknownCode as exc:
        return Missing(str(exc), list(exc.closest))
    except (UnknownRelease, NoReleaseForDate) as exc:
        return Missing(str(exc))


def indicator_rows(info: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, CMS value, meaning in words) for every indicator of a code (``code_info["indicators"]``)."""
    indicators = info.get("indicators") or {}
    return [
        (str(item.get("label", name)), str(item.get("value", "")), str(item.get("meaning", "")))
        for name, item in indicators.items()
        if isinstance(item, dict)
    ]


def latest_release(svc: Services) -> Any:
    """The newest loaded release (``name``, ``effective_date``) for the page footer, or None."""
    try:
        return svc.reference.latest_release()
    except LookupError:
        return None


def release_of(svc: Services, name: str | None) -> Any:
    """A loaded release by name (falling back to the newest)."""
    if name:
        try:
            return svc.reference.release(name)
        except LookupError:
            pass
    return latest_release(svc)


def localities(svc: Services, release: str | None) -> list[tuple[str, str]]:
    """Every payment locality of a release as ("carrier-locality", "ST · name"), by state and name."""
    if not release:
        return []
    rows = svc.reference.localities(release)
    ordered = sorted(rows, key=lambda r: (r.state, r.name))
    return [(f"{r.carrier}-{r.locality}", f"{r.state} · {r.name.strip()}") for r in ordered]


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def entry_json(entry: Any) -> dict[str, Any]:
    """A log line as the JSON API returns it."""
    return {
        "id": entry.id,
        "date_of_service": entry.date_of_service.isoformat(),
        "hcpcs": entry.hcpcs,
        "modifiers": entry.modifier_list,
        "units": entry.units,
        "pos": entry.pos,
        "release": entry.release,
        "wrvu": None if entry.wrvu is None else f"{entry.wrvu:.2f}",
        "allowed": _money(entry.allowed),
        "pricing_note": entry.pricing_note,
        "source": entry.source,
    }
