"""The Planner and Compare offers pages and their JSON API: signed out and signed in (prefilled from
the user's log and profile), htmx fragments, CSRF, errors next to the field at fault."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from fixtures_tracker import release_in_force
from fixtures_web import csrf, make_settings, sign_up
from openrvu.pricing.planner import annualized
from openrvu.web import create_app

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _plan_form(client: TestClient, **fields: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf(client),
        "target_kind": "wrvu",
        "target": "5000",
        "done": "3200",
        "weeks": "12",
        "days_per_week": "5",
        "codes": "99213",
        "dollars_per_wrvu": "",
        "threshold": "",
        "tiers": "",
    }
    form.update(fields)
    return form


def _credit(reference: Any, hcpcs: str) -> Decimal:
    """The work RVU the planner credits a code today: the release in force today, or the latest release
    while no loaded release covers today's year (planning ahead on 1 January)."""
    release = release_in_force(reference, date.today()) or reference.latest_release().name
    return Decimal(next(r.work_rvu for r in reference.rvu_rows(release, hcpcs) if r.modifier == ""))


def test_planner_works_signed_out_and_is_in_the_nav(client: TestClient, reference: Any) -> None:
    page = client.get("/planner", headers=HTML)
    assert page.status_code == 200
    assert 'href="/planner">Planner</a>' in page.text and 'name="csrf_token"' in page.text
    assert 'hx-post="/planner"' in page.text
    answer = client.post("/planner", data=_plan_form(client), headers=HTML)
    assert answer.status_code == 200
    count = int((Decimal(1800) / _credit(reference, "99213")).to_integral_value(ROUND_CEILING))
    assert re.search(rf"<strong>{count:,}</strong>", answer.text)
    assert "1,800.00 wRVU left" in _text(answer.text)


def test_htmx_gets_the_fragment_and_a_money_explanation(client: TestClient) -> None:
    form = _plan_form(
        client, target_kind="pay", target="4500", done="120", threshold="100", tiers="0:40, 150:50"
    )
    answer = client.post("/planner", data=form, headers=HTMX)
    assert answer.status_code == 200
    assert "<html" not in answer.text and answer.text.lstrip().startswith('<div id="planner">')
    text = _text(answer.text)
    assert "To reach 200.00 wRVU" in text and "the wRVU left bring $3,700.00 more" in text
    assert "120.00 to 150.00 wRVU: 30.00 x $40.00 = $1,200.00" in text


def test_bad_input_is_shown_next_to_its_field(client: TestClient) -> None:
    bad = client.post("/planner", data=_plan_form(client, target="-3"), headers=HTML)
    assert bad.status_code == 422 and 'id="e-target"' in bad.text and 'value="-3"' in bad.text
    code = client.post("/planner", data=_plan_form(client, codes="99213 ZZZZZ"), headers=HTML)
    assert code.status_code == 422 and 'id="e-codes"' in code.text and "ZZZZZ" in code.text
    tiers = client.post("/planner", data=_plan_form(client, tiers="6000:52, 0:45"), headers=HTML)
    assert tiers.status_code == 422 and 'id="e-tiers"' in tiers.text and "increasing order" in tiers.text
    weeks = client.post("/planner", data=_plan_form(client, weeks="0"), headers=HTMX)
    assert weeks.status_code == 200 and 'id="e-weeks"' in weeks.text  # htmx swaps only a 2xx answer


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    form = _plan_form(client)
    del form["csrf_token"]
    assert client.post("/planner", data=form, headers=HTML).status_code == 403
    assert client.post("/offers", data={"expected": "5000"}, headers=HTML).status_code == 403


def test_signed_in_the_log_goal_and_pay_prefill_the_planner(client: TestClient, reference: Any) -> None:
    sign_up(client, "plan@example.org")
    profile = {
        "csrf_token": csrf(client),
        "default_pos": "11",
        "provider_kind": "physician",
        "fte": "0.8",
        "dollars_per_wrvu": "52.5",
        "annual_wrvu_goal": "5000",
    }
    assert client.post("/profile", data=profile, headers=HTML).status_code == 200
    today = date.today()  # the planner starts from this year's log: the lines are dated today
    for code in ("99214", "99214", "99213"):
        line = {"date_of_service": today.isoformat(), "hcpcs": code, "units": 1, "pos": "11"}
        assert client.post("/api/log", json=line, headers={"x-csrf-token": csrf(client)}).status_code == 201
    wrvus = [x["wrvu"] for x in client.get("/api/log").json()["lines"]]
    priced = release_in_force(reference, today) is not None
    # in a year with no loaded release the lines wait unpriced: nothing is done yet
    assert all(x is not None for x in wrvus) if priced else wrvus == [None, None, None]
    done = sum((Decimal(x) for x in wrvus if x is not None), Decimal(0)).quantize(Decimal("0.01"))
    assert 'id="goal-planner"' in client.get("/dashboard", headers=HTML).text  # linked from the goal card
    page = client.get("/planner", headers=HTML)
    assert f'name="done" type="text" value="{done}"' in page.text
    assert 'name="target" type="text" value="4000.00"' in page.text  # 5,000 x 0.8 FTE
    assert 'name="codes" type="text" value="99214 99213"' in page.text
    assert 'name="dollars_per_wrvu" type="text" value="52.5"' in page.text
    offers = client.get("/offers", headers=HTML)
    if priced:
        first = date(today.year, 1, 1)
        expected = (annualized(done, first, today) / Decimal("0.8")).quantize(Decimal(1))
        assert f'name="expected" type="text" value="{expected}"' in offers.text
        assert "divided by your 0.8 FTE" in offers.text
    else:  # no wRVU this year yet: the user types the annual wRVU they expect
        assert 'name="expected" type="text" value=""' in offers.text


def test_offers_say_the_years_lines_wait_for_its_release_instead_of_none(
    reference_2025_path: Path, cms_dir: Path, migrated_app_db: Path, tmp_path: Path
) -> None:
    """Lines logged this year while no loaded release covers it are stored unpriced: the offers page
    says how many wait for the year's release (not that the log has none), and leaves the wRVU blank.
    A reference holding only the CY2025 release makes today such a day, whatever the date."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_2025_path)
    shutil.copyfile(migrated_app_db, tmp_path / "app.sqlite")
    app = create_app(make_settings(home, cms_dir, tmp_path / "app.sqlite"))
    today = date.today()
    with TestClient(app, base_url="https://testserver") as client:
        sign_up(client, "waiting@example.org")
        empty = _text(client.get("/offers", headers=HTML).text)
        assert "Your log has no lines this year yet" in empty and "waiting for" not in empty
        for code in ("99214", "99213", "99213"):
            line = {"date_of_service": today.isoformat(), "hcpcs": code, "units": 1, "pos": "11"}
            stored = client.post("/api/log", json=line, headers={"x-csrf-token": csrf(client)})
            assert stored.status_code == 201 and stored.json()["wrvu"] is None
        page = client.get("/offers", headers=HTML)
    text = _text(page.text)
    assert page.status_code == 200 and "no lines this year" not in text
    assert f"Your log has 3 lines this year waiting for the {today.year} CMS release" in text
    assert "your pace appears here once the release is loaded" in text
    assert 'name="expected" type="text" value=""' in page.text


def test_planner_says_the_years_lines_wait_for_its_release_instead_of_a_silent_zero(
    reference_2025_path: Path, cms_dir: Path, migrated_app_db: Path, tmp_path: Path
) -> None:
    """The planner's "done so far" is 0 while the year's lines wait unpriced for its release: the page
    says how many wait and that the year-to-date appears once the release is loaded; done stays 0.
    A reference holding only the CY2025 release makes today such a day, whatever the date."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_2025_path)
    shutil.copyfile(migrated_app_db, tmp_path / "app.sqlite")
    app = create_app(make_settings(home, cms_dir, tmp_path / "app.sqlite"))
    today = date.today()
    with TestClient(app, base_url="https://testserver") as client:
        sign_up(client, "plan-waiting@example.org")
        empty = _text(client.get("/planner", headers=HTML).text)
        assert f"Done: your log from {today.year}-01-01" in empty and "waiting for" not in empty
        line = {"date_of_service": today.isoformat(), "hcpcs": "99213", "units": 1, "pos": "11"}
        stored = client.post("/api/log", json=line, headers={"x-csrf-token": csrf(client)})
        assert stored.status_code == 201 and stored.json()["wrvu"] is None
        one = _text(client.get("/planner", headers=HTML).text)
        assert f"Your log has 1 line this year waiting for the {today.year} CMS release" in one
        for code in ("99214", "99213"):
            line = {"date_of_service": today.isoformat(), "hcpcs": code, "units": 1, "pos": "11"}
            stored = client.post("/api/log", json=line, headers={"x-csrf-token": csrf(client)})
            assert stored.status_code == 201
        page = client.get("/planner", headers=HTML)
    text = _text(page.text)
    assert page.status_code == 200 and "Done: your log from" not in text
    assert f"Done: 0 so far. Your log has 3 lines this year waiting for the {today.year} CMS release" in text
    assert "your year-to-date appears here once the release is loaded" in text
    assert 'name="done" type="text" value="0.00"' in page.text


def _offers_form(client: TestClient, **fields: str) -> dict[str, str]:
    form = {f"o{i}_{n}": "" for i in range(1, 5) for n in ("name", "base_salary", "dollars_per_wrvu",
            "threshold", "tiers", "signing_bonus", "annual_bonus", "fte", "wrvu_target")}  # fmt: skip
    form.update(
        csrf_token=csrf(client),
        low="5000",
        expected="6000",
        high="",
        years="1",
        o1_name="Academic",
        o1_base_salary="300000",
        o1_threshold="6000",
        o1_dollars_per_wrvu="50",
        o1_fte="1",
        o3_name="Private",
        o3_base_salary="250,000",
        o3_threshold="4000",
        o3_tiers="0:45, 7000:55",
        o3_fte="1",
    )
    form.update(fields)
    return form


def test_compare_offers_signed_out(client: TestClient) -> None:
    page = client.get("/offers", headers=HTML)
    assert page.status_code == 200 and 'name="o4_tiers"' in page.text
    answer = client.post("/offers", data=_offers_form(client), headers=HTML)
    assert answer.status_code == 200, _text(answer.text)[:500]
    text = _text(answer.text)
    assert "Academic and Private break even at 5,111.11 wRVU" in text
    assert "At low (5,000.00 wRVU a year per FTE) Academic pays most" in text
    assert "4,000.00 to 6,000.00 wRVU: 2,000.00 x $45.00 = $90,000.00" in text
    assert 'id="spec-offers"' in answer.text and '"offer":"Private"' in answer.text.replace(" ", "")
    fragment = client.post("/offers", data=_offers_form(client), headers=HTMX)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="offers">')


def test_offer_errors_point_at_the_column_typed_in(client: TestClient) -> None:
    bad = client.post("/offers", data=_offers_form(client, o3_tiers="7000:55, 0:45"), headers=HTML)
    assert bad.status_code == 422 and 'id="e-o3_tiers"' in bad.text and "increasing order" in bad.text
    salary = client.post("/offers", data=_offers_form(client, o1_base_salary="-5"), headers=HTML)
    assert salary.status_code == 422 and 'id="e-o1_base_salary"' in salary.text
    one = _offers_form(client, o3_base_salary="", o3_threshold="", o3_tiers="")
    alone = client.post("/offers", data=one, headers=HTML)
    assert alone.status_code == 422 and "Compare 2 to 4 offers, got 1" in alone.text
    nothing = client.post("/offers", data=_offers_form(client, low="", expected=""), headers=HTML)
    assert nothing.status_code == 422 and 'id="e-expected"' in nothing.text


def test_api_plan_and_offers(client: TestClient, reference: Any) -> None:
    plan = client.get(
        "/api/plan", params={"codes": "99213=3 99214", "target_wrvu": 5000, "done": 3200, "weeks": 12}
    )
    assert plan.status_code == 200, plan.text
    data = plan.json()
    assert [c["wrvu_each"] for c in data["codes"]] == [str(_credit(reference, c)) for c in ("99213", "99214")]
    assert data["steps"][0] == "Target 5,000.00 - done 3,200.00 = 1,800.00 wRVU left."
    bad = client.get("/api/plan", params={"codes": "ZZZZZ", "target_wrvu": 5, "weeks": 1})
    assert bad.status_code == 422 and "codes" in bad.json()["detail"]["errors"]
    body = {
        "offers": [
            {"name": "A", "base_salary": "200000", "dollars_per_wrvu": 40, "threshold": 4000},
            {"name": "B", "base_salary": 260000},
        ],
        "scenarios": {"expected": 5000},
    }
    refused = client.post("/api/offers", json=body)
    assert refused.status_code == 403  # a POST from a browser session needs the CSRF token
    answer = client.post("/api/offers", json=body, headers={"x-csrf-token": csrf(client)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["break_evens"][0]["wrvu_per_fte"] == "5500.00"
    body["offers"][0]["tiers"] = [{"from": 5000, "rate": 50}, {"from": 0, "rate": 40}]
    del body["offers"][0]["dollars_per_wrvu"]
    order = client.post("/api/offers", json=body, headers={"x-csrf-token": csrf(client)})
    assert order.status_code == 422 and "offers[1].tiers" in order.json()["detail"]["errors"]
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/plan" in paths and "/api/offers" in paths and "/planner" not in paths
