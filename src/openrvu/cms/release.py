"""Which PFS release a file belongs to: name (RVU25D), year, quarter letter and effective date.

CMS publishes four releases a year: A (January), B (April), C (July), D (October). The PPRRVU file says
which one it is in its banner ("2026 National Physician Fee Schedule Relative Value File July Release",
"RELEASED 06/30/2026"); file and folder names (``PPRRVU2025_Oct.csv``, ``rvu26a.zip``) say it too and are
used when the banner is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from openrvu.cms.errors import CmsFormatError

QUARTER_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}
_MONTH_QUARTER = {
    "JAN": "A",
    "JANUARY": "A",
    "APR": "B",
    "APRIL": "B",
    "JUL": "C",
    "JULY": "C",
    "OCT": "D",
    "OCTOBER": "D",
}
_TITLE = re.compile(
    r"(?P<year>\d{4})\s+National Physician Fee Schedule.*?(?P<month>[A-Za-z]+)\s+Release", re.I
)
_RELEASED = re.compile(r"RELEASED\s+(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})", re.I)
_RVU_NAME = re.compile(r"RVU(?P<yy>\d{2})(?P<q>[A-D])(?![A-Z])", re.I)
_YEAR_MONTH = re.compile(
    r"(?:^|[^0-9])(?P<year>20\d{2}|\d{2})[_\- ]?"
    r"(?P<month>JANUARY|APRIL|JULY|OCTOBER|JAN|APR|JUL|OCT)(?![A-Z])",
    re.I,
)
_YEAR = re.compile(r"(?:^|[^0-9])(20\d{2})(?![0-9])")
_SHORT_YEAR_PREFIX = re.compile(r"^(\d{2})(?:LOCCO|ANES|GPCI)", re.I)


@dataclass(frozen=True, slots=True)
class ReleaseId:
    """The identity of a PFS release as read from a file."""

    name: str  # "RVU26C"
    year: int
    quarter: str  # "A".."D"
    effective_date: date
    released_on: date | None
    title: str


def release_name(year: int, quarter: str) -> str:
    """``RVU`` + two-digit year + quarter letter, as CMS names its release bundles."""
    return f"RVU{year % 100:02d}{quarter}"


def effective_date(year: int, quarter: str) -> date:
    """First day of the quarter a release takes effect in."""
    return date(year, QUARTER_MONTH[quarter], 1)


def _full_year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def quarter_from_names(*names: str) -> tuple[int, str] | None:
    """(year, quarter) from file or folder names such as ``PPRRVU2025_Oct.csv`` or ``rvu26a.zip``."""
    for name in names:
        upper = name.upper()
        match = _RVU_NAME.search(upper)
        if match:
            return 2000 + int(match["yy"]), match["q"].upper()
        match = _YEAR_MONTH.search(upper)
        if match:
            return _full_year(match["year"]), _MONTH_QUARTER[match["month"].upper()]
    return None


def year_from_names(*names: str) -> int | None:
    """A calendar year in file or folder names (``GPCI2025``, ``26LOCCO``, ``rvu25d``, ``pfs_rvu_2026``)."""
    found = quarter_from_names(*names)
    if found:
        return found[0]
    for name in names:
        match = _SHORT_YEAR_PREFIX.match(name)
        if match:
            return 2000 + int(match[1])
        match = _YEAR.search(name)
        if match:
            return int(match[1])
    return None


def identify_release(source: str, banner: list[str], names: list[str]) -> ReleaseId:
    """The release of a PPRRVU file, from its banner lines and (failing that) the names around it.

    ``names`` are the file name first, then its zip and folder names, nearest first.
    """
    title = ""
    year_quarter: tuple[int, str] | None = None
    released_on: date | None = None
    for text in banner:
        match = _TITLE.search(text)
        if match and year_quarter is None:
            month = match["month"].upper()
            if month in _MONTH_QUARTER:
                title = text.strip()
                year_quarter = (int(match["year"]), _MONTH_QUARTER[month])
        match = _RELEASED.search(text)
        if match and released_on is None:
            try:
                released_on = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError as exc:
                raise CmsFormatError(
                    source, f"bad release date {match[0]!r}", expected="RELEASED mm/dd/yyyy"
                ) from exc
    if year_quarter is None:
        year_quarter = quarter_from_names(*names)
    if year_quarter is None:
        raise CmsFormatError(
            source,
            "cannot tell which PFS release this file is",
            line=1,
            expected="a '... Relative Value File <Month> Release' banner or a name like PPRRVU2025_Oct",
        )
    year, quarter = year_quarter
    return ReleaseId(
        name=release_name(year, quarter),
        year=year,
        quarter=quarter,
        effective_date=effective_date(year, quarter),
        released_on=released_on,
        title=title,
    )
