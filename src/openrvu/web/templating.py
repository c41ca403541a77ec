"""Jinja2 templates and the filters pages use to show numbers the same way everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"

# Shown on every page with CPT or CDT content. The descriptors themselves are read at run time from
# the user's own copy of the CMS files; openrvu ships none.
CPT_NOTICE = (
    "CPT® codes and descriptions are copyright American Medical Association (AMA); all rights reserved. "
    "CPT is a registered trademark of the AMA. CDT codes and descriptions are copyright American Dental "
    "Association (ADA). Descriptors are read from your own copy of the CMS files; fee schedules, "
    "relative values and related data are those of CMS and contain no dosing or clinical advice."
)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def rvu(value: Any) -> str:
    """RVUs with two decimals (``1.3`` -> ``1.30``); blank stays blank."""
    number = _decimal(value)
    return "" if number is None else f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def money(value: Any) -> str:
    """Dollars with thousands separators and cents (``1234.5`` -> ``$1,234.50``)."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"${number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def number(value: Any, places: int = 0) -> str:
    """A count or total with thousands separators."""
    figure = _decimal(value)
    if figure is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    return f"{figure.quantize(quantum, rounding=ROUND_HALF_UP):,}"


def percent(value: Any) -> str:
    """A share in 0..1 as a whole percentage (``0.84`` -> ``84%``)."""
    figure = _decimal(value)
    if figure is None:
        return ""
    return f"{(figure * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def make_templates() -> Jinja2Templates:
    """The template set with openrvu's filters and globals."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters.update(rvu=rvu, money=money, number=number, percent=percent)
    env.globals["cpt_notice"] = CPT_NOTICE
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates
