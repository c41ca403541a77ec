"""The lay-term table: size, real codes only, original wording."""

from __future__ import annotations

from openrvu.cms.models import HcpcsLevel2Row, RvuRow
from openrvu.knowledge import lay_terms


def test_table_covers_at_least_600_codes_with_every_field() -> None:
    table = lay_terms()
    assert len(table) >= 600
    for code, term in table.items():
        assert code == term.hcpcs and len(code) == 5
        assert term.plain_language and term.clinical_context and term.specialties, code
        assert term.clinical_context.endswith("."), code


def test_every_listed_code_exists_in_a_real_file(
    pprrvu_releases: dict[str, list[RvuRow]], hcpcs_level2_codes: list[HcpcsLevel2Row]
) -> None:
    known = {row.hcpcs for rows in pprrvu_releases.values() for row in rows}
    known |= {row.hcpcs for row in hcpcs_level2_codes}
    missing = sorted(set(lay_terms()) - known)
    assert not missing


def test_names_are_our_own_words_not_the_cms_descriptor(pprrvu_releases: dict[str, list[RvuRow]]) -> None:
    """No plain-language name or synonym repeats a CPT short descriptor (AMA text) of either release."""
    descriptors = {row.description.strip().lower() for rows in pprrvu_releases.values() for row in rows}
    for term in lay_terms().values():
        if term.hcpcs[0].isdigit():
            assert term.plain_language.lower() not in descriptors, term.hcpcs
            assert not any(alias.lower() in descriptors for alias in term.also_known_as), term.hcpcs


def test_the_main_families_are_there() -> None:
    table = lay_terms()
    families = "99213 99285 99291 G2211 G0439 99490 20610 45378 66984 93000 71046 77067 88305 97110 96372"
    for code in (*families.split(), "90837", "J3301", "G0180", "G0320"):
        assert code in table, code
    assert "video doctor visit at home" in table["G0320"].also_known_as
    assert "knee shot" in table["20610"].also_known_as
    assert "heart tracing" in table["93000"].also_known_as
