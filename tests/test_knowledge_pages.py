"""Code page sections: every real code gets a name and an FAQ; notes follow the row's indicators."""

from __future__ import annotations

from openrvu.cms.models import HcpcsLevel2Row, RvuRow
from openrvu.knowledge import code_sections, describe

_KEYS = {"plain_language", "also_known_as", "clinical_context", "specialties", "billing_notes", "faq"}


def _row(releases: dict[str, list[RvuRow]], release: str, code: str, modifier: str = "") -> RvuRow:
    return next(r for r in releases[release] if r.hcpcs == code and r.modifier == modifier)


def test_every_row_of_both_releases_has_a_complete_page(pprrvu_releases: dict[str, list[RvuRow]]) -> None:
    count = 0
    for release, rows in pprrvu_releases.items():
        for row in rows:
            page = describe(row, release=release)
            assert set(page) == _KEYS
            assert page["plain_language"].strip(), row.hcpcs
            assert page["clinical_context"].strip(), row.hcpcs
            assert len(page["faq"]) == 5 and all(q["question"] and q["answer"] for q in page["faq"]), (
                row.hcpcs
            )
            assert page["billing_notes"], row.hcpcs
            count += 1
    assert count > 38_000


def test_every_hcpcs_level2_code_has_a_complete_page(hcpcs_level2_codes: list[HcpcsLevel2Row]) -> None:
    """Level II codes a release does not list still get a page (the shape code_info gives them)."""
    assert len(hcpcs_level2_codes) > 8000
    for level2 in hcpcs_level2_codes:
        page = code_sections(
            {
                "hcpcs": level2.hcpcs,
                "description": level2.short_description,
                "release": "RVU26C",
                "long_description": level2.long_description,
                "status_code": None,
            }  # fmt: skip
        )
        assert page["plain_language"].strip(), level2.hcpcs
        assert len(page["faq"]) == 5 and all(q["answer"] for q in page["faq"]), level2.hcpcs
        assert "not listed" in page["faq"][4]["answer"] or "not priced" in page["faq"][4]["answer"]


def test_lay_table_name_wins_and_unlisted_codes_get_an_expanded_descriptor(
    pprrvu_releases: dict[str, list[RvuRow]],
) -> None:
    assert describe(_row(pprrvu_releases, "RVU26C", "99213"))["plain_language"].startswith(
        "Follow-up office visit"
    )
    # 70557 is not in the lay table: its name comes from the user's descriptor, abbreviations spelled out.
    generated = describe(_row(pprrvu_releases, "RVU25D", "70557", "26"))["plain_language"]
    assert "MRI" in generated and "without" in generated


def test_notes_and_answers_follow_the_indicators(pprrvu_releases: dict[str, list[RvuRow]]) -> None:
    knee = describe(_row(pprrvu_releases, "RVU26C", "27447"), release="RVU26C")
    notes = " ".join(knee["billing_notes"])
    assert "Global 090" in notes and "day before" in notes
    assert "Bilateral 1" in notes and "150%" in notes
    rvu_answer = knee["faq"][3]["answer"]
    assert "RVU26C" in rvu_answer and "19.11" in rvu_answer
    assert "$" in knee["faq"][4]["answer"]

    mri_global = describe(_row(pprrvu_releases, "RVU25D", "70557"), release="RVU25D")
    assert any(n.startswith("Status C") for n in mri_global["billing_notes"])
    assert any(n.startswith("PC/TC 1") and "26" in n and "TC" in n for n in mri_global["billing_notes"])
    assert "$" not in mri_global["faq"][4]["answer"]
    professional = describe(_row(pprrvu_releases, "RVU25D", "70557", "26"), release="RVU25D")
    assert any("modifier 26" in n for n in professional["billing_notes"])
    assert "2.90" in professional["faq"][3]["answer"]

    wellness = describe(_row(pprrvu_releases, "RVU26C", "99396"))
    assert any(n.startswith("Not used for Medicare payment") for n in wellness["billing_notes"])

    g_code = describe(_row(pprrvu_releases, "RVU26C", "G0320"))
    assert any("CMS-specific" in n for n in g_code["billing_notes"])
    assert "no physician work component" in g_code["faq"][3]["answer"]


def test_code_sections_reads_the_code_info_shape() -> None:
    info = {
        "hcpcs": "20610", "modifier": "", "description": "x", "release": "RVU26C", "status_code": "A",
        "work_rvu": "0.79", "nonfacility_total": "1.89", "facility_total": "1.28", "conv_factor": "33.4009",
        "global_days": "000", "pctc_indicator": "0", "mult_proc": "2", "bilat_surg": "1", "asst_surg": "1",
        "co_surg": "0", "team_surg": "0", "na_indicators": {"nonfacility": False, "facility": False},
        "comparison": {"text": "In the Surgery category, something"}, "category": "Surgery / Musculoskeletal",
    }  # fmt: skip
    page = code_sections(info)
    assert "knee shot" in page["also_known_as"]
    assert "$63.13" in page["faq"][4]["answer"]  # 1.89 x 33.4009 = 63.127..., rounded half up once
    assert "In the Surgery category, something" in page["faq"][3]["answer"]
    assert any(n.startswith("Global 000") for n in page["billing_notes"])
