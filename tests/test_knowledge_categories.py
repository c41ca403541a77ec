"""Category keys and their notes, for every real code."""

from __future__ import annotations

import pytest

from openrvu.cms.models import HcpcsLevel2Row, RvuRow
from openrvu.knowledge import indicator_note, section_key, section_notes


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("99213", "cpt:em"), ("99091", "cpt:em"), ("99500", "cpt:medicine"), ("00100", "cpt:anesthesia"),
        ("27447", "cpt:surgery:musculoskeletal"), ("11102", "cpt:surgery:integumentary"),
        ("45378", "cpt:surgery:digestive"), ("66984", "cpt:surgery:eye"), ("70557", "cpt:radiology"),
        ("88305", "cpt:pathology"), ("93000", "cpt:medicine"), ("0001F", "cpt:cat2"), ("0042T", "cpt:cat3"),
        ("0001U", "cpt:pla"), ("G0320", "hcpcs:G"), ("j3301", "hcpcs:J"), ("D0120", "hcpcs:D"),
        ("", "unknown"), ("GXXX1", "hcpcs:G"), ("WXYZ1", "unknown"), ("9921", "unknown"),
    ],
)  # fmt: skip
def test_section_key(code: str, key: str) -> None:
    assert section_key(code) == key


def test_every_real_code_has_section_notes(
    pprrvu_releases: dict[str, list[RvuRow]], hcpcs_level2_codes: list[HcpcsLevel2Row]
) -> None:
    codes = {row.hcpcs for rows in pprrvu_releases.values() for row in rows} | {
        r.hcpcs for r in hcpcs_level2_codes
    }
    keys = {section_key(code) for code in codes}
    assert "unknown" not in keys
    for key in keys:
        notes = section_notes(key)
        assert notes[-1].key == key, key
        assert notes[-1].clinical_context and notes[-1].name


def test_every_indicator_value_in_the_real_files_has_a_note(pprrvu_releases: dict[str, list[RvuRow]]) -> None:
    for rows in pprrvu_releases.values():
        for row in rows:
            assert indicator_note("status_code", row.status_code), row.status_code
            for name in (
                "global_days",
                "pctc",
                "mult_proc",
                "bilat_surg",
                "asst_surg",
                "co_surg",
                "team_surg",
            ):
                assert indicator_note(name, getattr(row, name)), (row.hcpcs, name)


def test_g_codes_say_documentation_follows_the_cpt_service() -> None:
    (g,) = section_notes("hcpcs:G")
    assert any("documentation follows the equivalent CPT service" in n for n in g.notes)
    assert "pre-operative visit" in (indicator_note("global_days", "090") or "")
