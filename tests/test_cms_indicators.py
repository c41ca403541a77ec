"""Every indicator value in the real files has a meaning in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from openrvu.cms.indicators import TABLES, describe, is_paid_status, meaning
from openrvu.cms.rvu_file import parse_pprrvu


@pytest.mark.parametrize(
    "name", ["pfs_rvu_2025/PPRRVU2025_Oct.csv", "pfs_rvu_2026/PPRRVU2026_Jul_nonQPP.csv"]
)
def test_every_value_is_decoded(cms_dir: Path, name: str) -> None:
    rows = parse_pprrvu(cms_dir / name).rows
    for indicator in TABLES:
        values = {getattr(r, indicator) for r in rows}
        unknown = {v for v in values if meaning(indicator, v).startswith(("Unknown", "Not set"))}
        assert not unknown, f"{indicator}: {unknown}"


def test_documented_values() -> None:
    assert meaning("status_code", "C").startswith("Contractor-priced")
    assert meaning("global_days", "ZZZ").startswith("Add-on")
    assert "150%" in meaning("bilat_surg", "1")
    assert meaning("pctc", "1").startswith("Diagnostic test")
    assert meaning("imaging_family", "88").startswith("Subject to")
    assert meaning("supervision", "6A").startswith("Level 66")
    assert meaning("mult_proc", "Q").startswith("Unknown value 'Q'")
    assert [s for s in "ABCDEFGHIJMNPRTX" if is_paid_status(s)] == ["A", "R", "T"]


def test_describe_row(cms_dir: Path) -> None:
    rows = parse_pprrvu(cms_dir / "pfs_rvu_2025/PPRRVU2025_Oct.csv").rows
    knee = next(r for r in rows if r.hcpcs == "27447" and r.modifier == "")
    described = describe(knee)
    assert described["global_days"] == {
        "label": "Global period",
        "value": "090",
        "meaning": meaning("global_days", "090"),
    }
    assert described["nonfac_na"]["value"] == "NA"
    assert "pric_ind" not in described  # CY2025 has no PRIC IND column
