"""Release identity from banners and names."""

from __future__ import annotations

from datetime import date

import pytest

from openrvu.cms.errors import CmsFormatError
from openrvu.cms.release import identify_release, quarter_from_names, year_from_names


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["PPRRVU2025_Oct.csv"], (2025, "D")),
        (["PPRRVU2026_Jul_nonQPP.csv"], (2026, "C")),
        (["PPRRVU25_JAN.csv"], (2025, "A")),
        (["PPRRVU.csv", "rvu26b.zip"], (2026, "B")),
        (["PPRRVU.csv", "RVU24D"], (2024, "D")),
        (["PPRRVU.csv"], None),
    ],
)
def test_quarter_from_names(names: list[str], expected: tuple[int, str] | None) -> None:
    assert quarter_from_names(*names) == expected


def test_year_from_names() -> None:
    assert year_from_names("26LOCCO.csv") == 2026
    assert year_from_names("ANES2025.csv") == 2025
    assert year_from_names("OPPSCAP_Oct.csv", "pfs_rvu_2025") == 2025
    assert year_from_names("OPPSCAP_Oct.csv", "rvu26a.zip") == 2026
    assert year_from_names("OPPSCAP_Oct.csv", "tmp") is None


def test_banner_wins_over_name() -> None:
    banner = ["2026 National Physician Fee Schedule Relative Value File July Release", "RELEASED 06/30/2026"]
    found = identify_release("x.csv", banner, ["PPRRVU2025_Oct.csv"])
    assert (found.name, found.effective_date, found.released_on) == (
        "RVU26C",
        date(2026, 7, 1),
        date(2026, 6, 30),
    )


def test_no_release_anywhere() -> None:
    with pytest.raises(CmsFormatError, match="cannot tell which PFS release"):
        identify_release("x.csv", ["CPT codes and descriptions only are copyright"], ["x.csv"])
