"""The Reconcile page and ``POST /api/reconcile``: in-process client over the real reference data, and
one run in Debian's Chromium (the download links work under the page's CSP). Reports are SYNTHETIC."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from fixtures_web import WEB_PASSWORD, LiveServer, csrf, sign_up
from openrvu.tracker import accounts
from openrvu.tracker.models import LogEntry, User
from openrvu.tracker.reconcile_explain import wrvu_text
from test_tracker_reconcile import build_scenario

EMAIL = "reconcile@example.org"


def seed(app: FastAPI, email: str, rate: str | None = "50") -> bytes:
    """Give the account a $/wRVU and the scenario's log; returns the SYNTHETIC report."""
    services = app.state.services
    with services.session_maker() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        user.dollars_per_wrvu = None if rate is None else Decimal(rate)
        session.commit()
        data, _code = build_scenario(session, user, services.catalog)
    return data


def upload(client: TestClient, data: bytes, name: str = "synthetic-report.csv", **form: str) -> Any:
    return client.post(
        "/reconcile",
        data={"csrf_token": csrf(client), **form},
        files={"file": (name, data, "text/csv")},
        headers={"accept": "text/html"},
    )


def data_link(html: str, anchor: str) -> bytes:
    href = re.search(rf'id="{anchor}" href="data:[^;]+(?:;charset=utf-8)?;base64,([^"]+)"', html)
    assert href, f"no {anchor} link"
    return base64.b64decode(href.group(1))


def lines_of(app: FastAPI) -> int:
    with app.state.services.session_maker() as session:
        return len(session.scalars(select(LogEntry.id)).all())


def test_page_shows_summary_categories_and_downloads(client: TestClient, web_app: FastAPI) -> None:
    sign_up(client, EMAIL)
    data = seed(web_app, EMAIL)
    page = client.get("/reconcile")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and "never read" in page.text
    assert 'href="/reconcile"' in client.get("/dashboard").text  # reachable from the nav
    before = lines_of(web_app)
    shown = upload(client, data)
    assert shown.status_code == 200, shown.text[:500]
    html = shown.text
    for section in ("missing_from_report", "wrvu_differs", "denied", "not_in_log", "matched"):
        assert f'id="cat-{section}"' in html
    assert "stale fee-schedule year" in html and "units differ" in html and "50% reduction" in html
    assert "Patient Name, MRN, DOB, Account #" in html
    assert "SYNTHETIC PATIENT" not in html and "SYN-0" not in html
    rows = list(csv.DictReader(io.StringIO(data_link(html, "download-csv").decode())))
    difference = sum((Decimal(r["difference_wrvu"]) for r in rows), Decimal(0))
    assert f'id="sum-difference">{wrvu_text(difference)}<' in html
    money = (difference * 50).quantize(Decimal("0.01"))
    assert f'id="sum-money">${money:,.2f}<' in html
    book = load_workbook(io.BytesIO(data_link(html, "download-xlsx")), read_only=True)
    assert len(list(book["Lines"].iter_rows())) == len(rows) + 1
    book.close()
    assert lines_of(web_app) == before  # a reconciliation writes nothing


def test_period_narrows_and_junk_upload_is_a_clear_error_with_nothing_lost(
    client: TestClient, web_app: FastAPI
) -> None:
    sign_up(client, EMAIL)
    data = seed(web_app, EMAIL, rate=None)
    narrowed = upload(client, data, start="2026-08-10", end="2026-08-12")
    assert narrowed.status_code == 200
    assert "2026-08-10 to 2026-08-12" in narrowed.text and 'id="cat-missing_from_report"' not in narrowed.text
    assert "Set your $ per wRVU in your profile" in narrowed.text
    before = lines_of(web_app)
    junk = upload(client, b"Date,CPT,wRVU\n2026-08-03,99213,1.30\n2026-08-04,ABC,x\n")
    assert junk.status_code == 422
    assert "Line 3, column “CPT”" in junk.text and "Line 3, column “wRVU”" in junk.text
    assert "nothing was compared" in junk.text
    wrong = upload(client, b"\x00\x01", name="report.pdf")
    assert wrong.status_code == 422 and "is not a .csv or .xlsx file" in wrong.text
    reversed_period = upload(client, data, start="2026-08-20", end="2026-08-01")
    assert reversed_period.status_code == 422 and "before it starts" in reversed_period.text
    no_column = upload(client, data, provider="SYNTHETIC DR A")
    assert no_column.status_code == 422 and "no provider column" in no_column.text
    assert lines_of(web_app) == before


def test_security_reconcile_needs_csrf_and_a_signed_in_user(client: TestClient) -> None:
    anonymous = client.get("/reconcile", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    sign_up(client, EMAIL)
    forged = client.post("/reconcile", files={"file": ("r.csv", b"Date,CPT,wRVU\n", "text/csv")})
    assert forged.status_code == 403


def test_security_one_user_reconciles_only_their_own_log(client: TestClient, web_app: FastAPI) -> None:
    sign_up(client, EMAIL)
    data = seed(web_app, EMAIL)
    with web_app.state.services.session_maker() as session:
        admin = session.scalars(select(User).where(User.email == EMAIL)).one()
        accounts.set_signup_mode(session, admin, "open")
    with TestClient(web_app, base_url="https://testserver") as other:
        sign_up(other, "other@example.org")
        shown = upload(other, data)
    assert shown.status_code == 200
    assert 'id="cat-missing_from_report"' not in shown.text and 'id="cat-matched"' not in shown.text
    assert 'id="sum-logged">0.00<' in shown.text


def test_api_reconcile_json_errors_and_schema(client: TestClient, web_app: FastAPI) -> None:
    stranger = {"Authorization": "Bearer orvu_not_a_token"}
    refused = client.post("/api/reconcile", files={"file": ("r.csv", b"x", "text/csv")}, headers=stranger)
    assert refused.status_code == 401
    sign_up(client, EMAIL)
    data = seed(web_app, EMAIL)
    headers = {"X-CSRF-Token": csrf(client)}
    answer = client.post("/api/reconcile", files={"file": ("r.csv", data, "text/csv")}, headers=headers)
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    categories = {c["category"]: c for c in body["totals"]["by_category"]}
    assert categories["missing_from_report"]["lines"] == 1 and categories["denied"]["lines"] == 1
    assert body["report"]["patient_data_columns_ignored"] == ["Patient Name", "MRN", "DOB", "Account #"]
    assert all(isinstance(line["difference_wrvu"], str) for line in body["lines"])
    narrowed = client.post(
        "/api/reconcile?start=2026-08-03&end=2026-08-03",
        files={"file": ("r.csv", data, "text/csv")},
        headers=headers,
    )
    assert [line["rule"] for line in narrowed.json()["lines"]] == ["date+code+modifiers"]
    bad = client.post(
        "/api/reconcile",
        files={"file": ("r.csv", b"Date,CPT\n2026-08-03,99213\n", "text/csv")},
        headers=headers,
    )
    assert bad.status_code == 422
    assert (
        bad.json()["detail"]["errors"][0]["line"] == 1
        and "wrvu" in bad.json()["detail"]["errors"][0]["message"]
    )
    schema = client.get("/openapi.json").json()["paths"]
    assert "/api/reconcile" in schema and "/reconcile" not in schema


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_in_chromium_upload_read_and_download(
    browser: Any, live_server: LiveServer, artifacts_dir: Path
) -> None:
    email = f"rec-{uuid.uuid4().hex[:8]}@example.org"
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/signup")
    page.fill("#f-email", email)
    page.fill("#f-password", WEB_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/profile**")
    data = seed(live_server.server.config.app, email)
    report = artifacts_dir / "synthetic-report.csv"
    report.write_bytes(data)
    page.click("nav.nav >> text=Reconcile")
    page.set_input_files("#f-file", str(report))
    page.click("#reconcile-form button[type=submit]")
    page.wait_for_selector("#summary")
    assert "stale fee-schedule year" in page.locator("#cat-wrvu_differs").inner_text()
    page.screenshot(path=str(artifacts_dir / "reconcile.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert {r["category"] for r in rows} == {
        "matched",
        "missing_from_report",
        "not_in_log",
        "wrvu_differs",
        "denied",
    }
    report.unlink()
    context.close()
