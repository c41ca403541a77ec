"""Coding warnings in the web app: the JSON price endpoint, the payment card of a code, and a badge on
the log lines they concern (log and lines pages), computed from the user's own lines around them."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fixtures_tracker import PRICED_DAY
from fixtures_web import csrf, make_settings, sign_up
from openrvu.reference.categories import EM_FAMILIES
from openrvu.reference.db import ReferenceDB
from openrvu.web import create_app

HTML = {"accept": "text/html"}
DAY = PRICED_DAY  # lines are dated inside a loaded release, so they are priced in any year


@pytest.fixture(scope="module")
def picked(reference):  # type: ignore[no-untyped-def]
    """An add-on code, a major (090) procedure priced in the office, and an office E/M visit, all
    active in the release in force on ``DAY``."""
    release, _ = reference.release_for_date(DAY)
    active = [r for r in reference.iter_rvu(release.name) if r.modifier == "" and r.status_code == "A"]
    addon = next(r.hcpcs for r in active if r.global_days == "ZZZ" and r.hcpcs.isdigit())
    major = next(r.hcpcs for r in active if r.global_days == "090" and not r.nonfac_na and r.hcpcs.isdigit())
    visit = EM_FAMILIES[1][2][2]
    return addon, major, visit


def _log(client: TestClient, code: str, day: date, *mods: str) -> int:
    form = {
        "csrf_token": csrf(client),
        "hcpcs": code,
        "modifiers": list(mods),
        "units": "1",
        "date_of_service": day.isoformat(),
        "pos": "11",
    }
    response = client.post("/log", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return int(response.headers["location"].split("added=")[1])


def _item(page: str, entry_id: int) -> str:
    """The ``<li>`` of one line on the log page."""
    match = re.search(rf'<li id="line-{entry_id}">(.*?)</li>\s*(?:<li id="line-|</ul>)', page, re.S)
    assert match, f"line {entry_id} not on the page"
    return match.group(1)


def test_price_endpoint_returns_warnings_and_the_same_amounts(client: TestClient, picked) -> None:  # type: ignore[no-untyped-def]
    addon, _major, visit = picked
    query = {"pos": "11", "locality": "national", "date": DAY.isoformat()}
    alone = client.get("/api/price", params={**query, "codes": addon})
    assert alone.status_code == 200
    body = alone.json()
    assert [(w["code"], w["lines"]) for w in body["warnings"]] == [("addon-without-primary", [1])]
    assert body["warnings"][0]["source"].startswith("payment-rules.md")
    with_visit = client.get("/api/price", params={**query, "codes": f"{visit} {addon}"}).json()
    assert with_visit["warnings"] == []  # the visit is a primary for the add-on check
    # the warning changes nothing: the add-on line is priced the same with or without it
    assert with_visit["lines"][1]["allowed"] == body["lines"][0]["allowed"]
    assert with_visit["lines"][1]["wrvu"] == body["lines"][0]["wrvu"]


def test_the_payment_card_of_an_add_on_code_says_it_needs_a_primary(client: TestClient, picked) -> None:  # type: ignore[no-untyped-def]
    addon, _major, visit = picked
    card = client.get(f"/codes/{addon}/payment", params={"locality": "national"})
    assert card.status_code == 200
    assert 'data-warning="addon-without-primary"' in card.text and "Check before billing" in card.text
    assert 'id="payment-amounts"' in card.text  # the amounts are still shown
    quiet = client.get(f"/codes/{visit}/payment", params={"locality": "national"})
    assert "data-warning=" not in quiet.text


def test_a_visit_inside_a_global_period_gets_a_badge_on_the_log(client: TestClient, picked) -> None:  # type: ignore[no-untyped-def]
    _addon, major, visit = picked
    sign_up(client, "surgeon@example.org")
    surgery = _log(client, major, DAY - timedelta(days=10))
    follow_up = _log(client, visit, DAY)
    page = client.get("/log", headers=HTML).text
    badge = _item(page, follow_up)
    assert 'class="coding-warnings' in badge and 'data-code="em-in-global-period"' in badge
    assert "modifier 24" in badge and major in badge and "same patient" in badge
    assert "coding-warnings" not in _item(page, surgery)
    lines = client.get("/lines", headers=HTML).text
    assert lines.count('data-code="em-in-global-period"') == 1
    # the figures of the visit are those of the visit priced alone (the warning changes none)
    priced = client.get(
        "/api/price", params={"codes": visit, "pos": "11", "locality": "national", "date": DAY.isoformat()}
    ).json()
    logged = {x["id"]: x for x in client.get("/api/log").json()["lines"]}[follow_up]
    assert (logged["wrvu"], logged["allowed"]) == (priced["lines"][0]["wrvu"], priced["lines"][0]["allowed"])
    # marking the visit unrelated (24) resolves it
    edit = {
        "csrf_token": csrf(client),
        "hcpcs": visit,
        "modifiers": ["24"],
        "units": "1",
        "date_of_service": DAY.isoformat(),
        "pos": "11",
    }
    assert client.post(f"/log/{follow_up}", data=edit, follow_redirects=False).status_code == 303
    assert "coding-warnings" not in client.get("/log", headers=HTML).text


def test_another_users_surgery_never_warns_on_my_lines(client: TestClient, picked) -> None:  # type: ignore[no-untyped-def]
    _addon, major, visit = picked
    sign_up(client, "one@example.org")  # the first account is the admin
    _log(client, major, DAY - timedelta(days=3))
    client.post("/admin/signup-mode", data={"csrf_token": csrf(client), "signup_mode": "open"})
    client.cookies.clear()
    sign_up(client, "two@example.org")
    mine = _log(client, visit, DAY)
    assert "coding-warnings" not in _item(client.get("/log", headers=HTML).text, mine)


def test_a_line_waiting_for_its_years_release_gets_its_badge_checked_against_the_latest(
    reference_2025_path: Path, cms_dir: Path, migrated_app_db: Path, tmp_path: Path
) -> None:
    """A line dated in a year no loaded release covers is stored unpriced; its badge still shows,
    read from the release it was validated against, and says which one. A reference holding only the
    CY2025 release makes today such a day (a line dated today is the one the form takes)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_2025_path)
    shutil.copyfile(migrated_app_db, tmp_path / "app.sqlite")
    reference = ReferenceDB(reference_2025_path)
    latest = reference.latest_release()
    rows = [r for r in reference.iter_rvu(latest.name) if r.modifier == "" and r.status_code == "A"]
    addon = next(r.hcpcs for r in rows if r.global_days == "ZZZ" and r.hcpcs.isdigit())
    reference.close()
    today = date.today()
    app = create_app(make_settings(home, cms_dir, tmp_path / "app.sqlite"))
    with TestClient(app, base_url="https://testserver") as client:
        sign_up(client, "waiting@example.org")
        waiting = _log(client, addon, today)
        priced = _log(client, addon, date(latest.year, 11, 3))
        figures = {x["id"]: x["wrvu"] for x in client.get("/api/log").json()["lines"]}
        page = client.get("/log", headers=HTML).text
        lines = client.get("/lines", headers=HTML).text
    assert figures[waiting] is None and figures[priced] is not None
    badge = _item(page, waiting)
    assert 'class="coding-warnings' in badge and 'data-code="addon-without-primary"' in badge
    assert f"Checked against {latest.name}, the latest loaded release: no {today.year} RVU release" in badge
    assert "addon-without-primary" in _item(page, priced) and "Checked against" not in _item(page, priced)
    assert lines.count(f"Checked against {latest.name}") == 2  # the badge's title and its message
