"""The JSON shape of a priced encounter (``openrvu price --json``, and the JSON API later)."""

from __future__ import annotations

from collections.abc import Sequence

from openrvu.pricing.model import EncounterResult
from openrvu.pricing.warnings import BillingWarning


def _money(value: object) -> str | None:
    return None if value is None else f"{value:.2f}"


def result_json(result: EncounterResult, warnings: Sequence[BillingWarning] = ()) -> dict[str, object]:
    """The JSON shape of ``openrvu price --json`` (money as strings with two decimals); ``warnings``
    are the encounter's coding warnings, their ``lines`` the 1-based numbers of the lines."""
    return {
        "lines": [
            {
                "hcpcs": line.hcpcs,
                "modifiers": list(line.modifiers),
                "units": line.units,
                "release": line.release,
                "setting": "facility" if line.facility else "non-facility",
                "setting_reason": line.setting_reason,
                "allowed": _money(line.allowed),
                "limiting_charge": _money(line.limiting_charge),
                "wrvu": f"{line.wrvu:.2f}",
                "wrvu_current_release": None if line.wrvu_current is None else f"{line.wrvu_current:.2f}",
                "status": line.status,
                "rvus": {"work": str(line.work_rvu), "pe": str(line.pe_rvu), "mp": str(line.mp_rvu)},
                "gpci": {
                    "carrier": line.carrier,
                    "locality": line.locality,
                    "work": str(line.work_gpci),
                    "pe": str(line.pe_gpci),
                    "mp": str(line.mp_gpci),
                },
                "conv_factor": str(line.conv_factor),
                "rules": [
                    {"rule": r.rule, "code": r.code, "effect": r.effect, "source": r.source}
                    for r in line.rules
                ],
            }
            for line in result.lines
        ],
        "warnings": [w.to_dict() for w in warnings],
        "total_allowed": f"{result.total_allowed:.2f}",
        "total_wrvu": f"{result.total_wrvu:.2f}",
        "compensation": f"{result.compensation:.2f}",
    }
