"""Knowledge fixtures: the real PPRRVU rows of both releases and the HCPCS Level II records, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from openrvu.cms.hcpcs2 import parse_hcpcs2
from openrvu.cms.models import HcpcsLevel2Row, RvuRow
from openrvu.cms.rvu_file import parse_pprrvu


@pytest.fixture(scope="session")
def pprrvu_releases(cms_dir: Path) -> dict[str, list[RvuRow]]:
    """Release name -> every row of that real PPRRVU file (RVU25D and RVU26C)."""
    out = {}
    for path in (
        cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv",
        cms_dir / "pfs_rvu_2026" / "PPRRVU2026_Jul_nonQPP.csv",
    ):
        parsed = parse_pprrvu(path)
        out[parsed.release.name] = parsed.rows
    return out


@pytest.fixture(scope="session")
def hcpcs_level2_codes(cms_dir: Path) -> list[HcpcsLevel2Row]:
    """Every HCPCS Level II code record (modifiers left out) of the real ANWEB file."""
    parsed = parse_hcpcs2(cms_dir / "hcpcs_level2_2025" / "HCPC2025_OCT_ANWEB.csv")
    return [row for row in parsed.rows if not row.is_modifier]
