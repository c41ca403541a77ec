"""The national benchmark tables in the web app: a code's national volume and specialties, the dashboard's
"Where you stand" card, the SYNTHETIC label and caveats on both, and the hint when no tables are loaded.

The tables are the session's small synthetic build (``fixtures_benchmarks.built``) linked into a fresh
OPENRVU_HOME beside the real reference database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fixtures_tracker import release_in_force
from fixtures_web import csrf, make_settings, sign_up
from openrvu.benchmarks.build import BuildResult
from openrvu.benchmarks.store import BenchmarkStore
from openrvu.web import create_app

HTML = {"accept": "text/html"}


@pytest.fixture()
def bench_home(
    web_home: Path, built: BuildResult, migrated_app_db: Path, cms_dir: Path, tmp_path: Path
) -> Path:
    """An OPENRVU_HOME holding the shared reference files (linked) and the synthetic 2025 tables."""
    home = tmp_path / "home"
    home.mkdir()
    for entry in web_home.iterdir():
        if entry.name != "benchmarks":
            (home / entry.name).symlink_to(entry)
    (home / "benchmarks").mkdir()
    (home / "benchmarks" / str(built.meta.data_year)).symlink_to(built.path)
    return home


@pytest.fixture()
def bench_client(
    bench_home: Path, cms_dir: Path, migrated_app_db: Path, tmp_path: Path
) -> Iterator[TestClient]:
    """A client of an app whose home has benchmark tables."""
    db_path = tmp_path / "app.sqlite"
    shutil.copyfile(migrated_app_db, db_path)
    app = create_app(make_settings(bench_home, cms_dir, db_path))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture()
def store(bench_home: Path) -> Iterator[BenchmarkStore]:
    with BenchmarkStore.open(bench_home / "benchmarks") as opened:
        yield opened


def _national(page: str) -> str:
    section = re.search(r'<section class="card" id="national".*?</section>', page, re.S)
    assert section, "the code page has no national section"
    return section.group(0)


def _figure(html: str, element_id: str) -> Decimal:
    found = re.search(rf'id="{element_id}">([0-9.,]+)<', html)
    assert found, f"no figure {element_id}"
    return Decimal(found.group(1).replace(",", ""))


def test_code_page_shows_national_volume_and_specialties_labelled_synthetic(
    bench_client: TestClient, store: BenchmarkStore
) -> None:
    page = bench_client.get("/codes/99213", headers=HTML)
    assert page.status_code == 200
    section = _national(page.text)
    stats = store.code("99213")
    assert stats is not None
    assert _figure(section, "national-providers") == stats["providers"]
    assert _figure(section, "national-benes") == stats["beneficiaries"]
    assert _figure(section, "national-services") == Decimal(str(stats["services"])).quantize(Decimal(1))
    assert _figure(section, "national-median") == Decimal(str(stats["median_provider_services"])).quantize(
        Decimal(1)
    )
    specialties = store.code_specialties("99213")
    assert len(specialties) >= 2
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)%</td>", section)
    assert [name for name, _ in rows] == [s["specialty"] for s in specialties]
    assert int(rows[0][1]) == round(specialties[0]["share"] * 100)
    assert "SYNTHETIC" in section and "synthetic-label" in section
    assert "fee-for-service Part B" in section and "Not risk-adjusted" in section
    assert "fewer than 11 beneficiaries" in section
    assert f"data year {store.meta.data_year}" in section and store.meta.release in section
    assert "national-not-loaded" not in section


def test_code_page_without_tables_says_how_to_load_them(client: TestClient) -> None:
    page = client.get("/codes/99213", headers=HTML)
    assert page.status_code == 200
    section = _national(page.text)
    assert 'id="national-not-loaded"' in section and "openrvu benchmarks build" in section
    assert "SYNTHETIC" not in section and "national-services" not in section


def _log(client: TestClient, code: str, units: int) -> None:
    form = {
        "csrf_token": csrf(client),
        "hcpcs": code,
        "units": str(units),
        "date_of_service": date.today().isoformat(),  # the card covers this year so far
        "pos": "11",
    }
    assert client.post("/log", data=form, follow_redirects=False).status_code in (200, 303)


def _set_profile(client: TestClient, specialty: str, fte: str) -> None:
    form = {
        "csrf_token": csrf(client),
        "specialty": specialty,
        "zip_code": "10001",
        "default_pos": "11",
        "provider_kind": "physician",
        "fte": fte,
    }
    saved = client.post("/profile", data=form, headers=HTML)
    assert saved.status_code == 200 and "Profile saved" in saved.text, saved.text[:300]


def test_dashboard_card_places_the_user_in_the_specialty(
    bench_client: TestClient, store: BenchmarkStore, reference: Any
) -> None:
    sign_up(bench_client, "stand@example.org")
    hint = bench_client.get("/dashboard", headers=HTML).text
    assert 'id="where-you-stand"' in hint and 'id="set-specialty"' in hint and "stand-percentile" not in hint

    _set_profile(bench_client, "Internal Medicine", "0.5")
    _log(bench_client, "99214", 30)
    _log(bench_client, "99213", 10)
    today = date.today()
    wrvus = [line["wrvu"] for line in bench_client.get("/api/log").json()["lines"]]
    # in a year with no loaded release the lines wait unpriced: the card places 0 wRVU so far
    priced = release_in_force(reference, today) is not None
    assert all(x is not None for x in wrvus) if priced else wrvus == [None, None]
    wrvu = sum(float(x) for x in wrvus if x is not None)
    days = (today - date(today.year, 1, 1)).days + 1
    annual = wrvu * 365 / days / 0.5
    expected = store.percentile_of("Internal Medicine", annual)

    page = bench_client.get("/dashboard", headers=HTML).text
    card = re.search(r'<section class="card" id="where-you-stand">.*?</section>', page, re.S)
    assert card
    html = card.group(0)
    assert re.search(rf'id="stand-percentile">percentile {expected}<', html)
    assert _figure(html, "stand-annual") == Decimal(str(annual)).quantize(Decimal(1))
    assert "prorated to 0.5 FTE" in html and "Internal Medicine" in html
    em = re.search(r'<table id="stand-em">.*?</table>', html, re.S)
    assert em and "<code>99214</code>" in em.group(0) and "75%" in em.group(0)  # 30 of 40 office visits
    assert "SYNTHETIC" in html and "fee-for-service Part B" in html and "annualised" in html


def test_dashboard_card_names_an_unknown_specialty(bench_client: TestClient) -> None:
    sign_up(bench_client, "unknown@example.org")
    _set_profile(bench_client, "Cardiologyy", "1")
    page = bench_client.get("/dashboard", headers=HTML).text
    card = re.search(r'<section class="card" id="where-you-stand">.*?</section>', page, re.S)
    assert card, page[-2000:]
    assert "have no specialty" in card.group(0) and "Cardiologyy" in card.group(0)
    assert "did you mean Cardiology" in card.group(0) and "stand-percentile" not in card.group(0)


def test_code_page_of_a_code_nobody_billed_says_so(bench_client: TestClient, store: BenchmarkStore) -> None:
    assert store.code("99499") is None  # unlisted E/M: the synthetic year bills it nowhere
    page = bench_client.get("/codes/99499", headers=HTML)
    assert page.status_code == 200
    section = _national(page.text)
    assert "No provider billed this code in the 2025 data" in section
    assert "national-services" not in section and "fee-for-service Part B" in section


def test_profile_specialties_are_medicare_provider_types(store: BenchmarkStore) -> None:
    """The profile pick list uses CMS's own provider-type names, so every choice finds its benchmark."""
    from openrvu.benchmarks.profiles import PROFILES
    from openrvu.web.choices import SPECIALTIES

    cms_names = {p.name for p in PROFILES}
    assert [s for s in SPECIALTIES if s != "Other" and s not in cms_names] == []
