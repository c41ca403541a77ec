"""The public code reference pages over the real CMS files: search while typing, code pages, 404s."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fixtures_web import make_settings
from openrvu.reference.build import ingest
from openrvu.web import create_app

HTML = {"accept": "text/html"}
ZERO_WORK = (
    "This code has a work RVU of 0.00, meaning it does not have a physician work component assigned by CMS"
)
SECTIONS = (
    "long-description",
    "plain-language",
    "clinical-context",
    "rvus",
    "payment",
    "indicators",
    "billing",
    "comparison",
    "specialties",
    "faq",
    "modifiers",
    "history",
)


def test_home_page_has_a_live_search_box(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert 'hx-get="/search"' in page.text and 'role="combobox"' in page.text
    assert "/static/vendor/htmx.min.js" in page.text
    assert "American Medical Association" in page.text


def test_search_fragment_for_htmx_lists_matching_codes(client: TestClient) -> None:
    fragment = client.get("/search", params={"q": "9921"}, headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    codes = re.findall(r'<span class="hcpcs">([0-9A-Z]{5})', fragment.text)
    assert "99213" in codes
    assert all(code.startswith("9921") for code in codes[:5])


def test_search_without_javascript_renders_the_full_page(client: TestClient) -> None:
    page = client.get("/search", params={"q": "video doctor visit at home"}, headers=HTML)
    assert page.status_code == 200 and "<html" in page.text
    assert "G0320" in page.text


@pytest.mark.parametrize("q", ['"', "NEAR(", "😀" * 50, "a" * 10_000, "<script>alert(1)</script>"])
def test_any_search_input_is_answered_safely(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q}, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_g0320_page_has_every_section_and_the_zero_work_sentence(client: TestClient) -> None:
    page = client.get("/codes/G0320", headers=HTML)
    assert page.status_code == 200
    for section in SECTIONS:
        assert f'id="{section}"' in page.text, section
    assert ZERO_WORK in page.text
    # HCPCS Level II long description, the release and the notice
    assert "Home health services" in page.text or "home health" in page.text.lower()
    assert "RVU26C" in page.text
    assert "American Medical Association" in page.text and "American Dental Association" in page.text
    # indicators in words, comparison in the category
    assert "Statutory exclusion" in page.text
    assert "In the G Codes category" in page.text


def test_99213_page_shows_rvus_history_and_no_zero_work_sentence(client: TestClient) -> None:
    page = client.get("/codes/99213", headers=HTML)
    assert page.status_code == 200
    assert "1.30" in page.text
    assert "RVU25D" in page.text and "RVU26C" in page.text  # history across releases
    assert "does not have a physician work component" not in page.text


def test_modifier_row_page_links_the_other_rows(client: TestClient) -> None:
    page = client.get("/codes/70557/26", params={"release": "RVU25D"}, headers=HTML)
    assert page.status_code == 200
    assert "70557-26" in page.text
    assert "2.90" in page.text  # the -26 row carries the work RVU (RVU25D)
    assert 'href="/codes/70557"' in page.text


def test_unknown_code_answers_404_with_the_closest_codes(client: TestClient) -> None:
    page = client.get("/codes/99299", headers=HTML)
    assert page.status_code == 404
    assert 'id="closest"' in page.text
    assert re.search(r'href="/codes/992\d\d"', page.text)


def test_payment_card_prices_both_settings_at_a_zip_and_explains_bad_input(client: TestClient) -> None:
    card = client.get("/codes/99213/payment", params={"zip": "10001"}, headers={"hx-request": "true"})
    assert card.status_code == 200
    amounts = re.findall(r'data-setting="(\w+)"[^$]*\$([0-9,]+\.\d\d)', card.text, re.S)
    settings = dict(amounts)
    assert set(settings) == {"nonfacility", "facility"}
    assert float(settings["nonfacility"]) > float(settings["facility"])  # 99213 has a higher office PE
    national = client.get("/codes/99213/payment", params={"locality": "national"})
    assert "National (GPCI 1.000)" in national.text
    bad = client.get("/codes/99213/payment", params={"zip": "00000"})
    assert 'id="payment-error"' in bad.text and "00000" in bad.text


def test_payment_card_uses_the_latest_release_while_none_covers_today(
    client: TestClient, cms_dir: Path, migrated_app_db: Path, tmp_path: Path
) -> None:
    """On 1 January, before the year's release is loaded, the card prices with the latest release and
    names it (as the log and the planner do) instead of showing an error. A reference holding only the
    CY2025 release makes today such a day, whatever the date."""
    home = tmp_path / "home"
    home.mkdir()
    ingest(home / "reference.sqlite", [cms_dir / "pfs_rvu_2025"])
    shutil.copyfile(migrated_app_db, tmp_path / "app.sqlite")
    app = create_app(make_settings(home, cms_dir, tmp_path / "app.sqlite"))
    with TestClient(app, base_url="https://testserver") as only_2025:
        card = only_2025.get("/codes/99213/payment", params={"locality": "national"})
    assert card.status_code == 200 and 'id="payment-error"' not in card.text
    assert "release RVU25D" in card.text
    office = re.search(r'data-setting="nonfacility"[^$]*\$([0-9,]+\.\d\d)', card.text, re.S)
    # the same amount as 99213 in the office on a date RVU25D is in force, priced by the full reference
    priced = client.get(
        "/api/price", params={"codes": "99213", "pos": "11", "locality": "national", "date": "2025-11-03"}
    ).json()
    assert priced["lines"][0]["release"] == "RVU25D"
    assert office and Decimal(office.group(1).replace(",", "")) == Decimal(priced["lines"][0]["allowed"])
