"""The web app in a real browser: Debian's Chromium through Playwright, against ``openrvu``'s own server
(uvicorn on a free loopback port) over the reference database built from the real CMS files.

Screenshots land in ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fixtures_tracker import release_in_force
from fixtures_web import WEB_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
TOUCH_TARGETS = (
    "#log-form button, #log-form select, #log-form input:not([type=hidden]):not([type=checkbox]), "
    "#log-form label.chip, .tabbar a"
)


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture()
def phone(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_search_answers_while_typing_and_arrow_keys_open_a_code(page: Any) -> None:
    page.goto("/")
    box = page.locator("#q")
    box.press_sequentially("9921", delay=60)
    # a slow machine may answer an earlier prefix ("992") first: wait for the answer to the whole input
    page.wait_for_function(
        "[...document.querySelectorAll('#results .hcpcs')].some(e => e.innerText === '99213')"
    )
    codes = page.locator("#results .hcpcs").all_inner_texts()
    assert "99213" in codes and all(c.startswith("9921") for c in codes[:5])
    box.fill("")
    # a pause while typing sends a prefix whose results hold G0320 too; the answer to the whole input
    # then replaces them (and the selection): wait for that answer before moving through the list
    query = "video doctor visit at home"
    with page.expect_response(lambda r: parse_qs(urlparse(r.url).query).get("q") == [query]):
        box.press_sequentially(query, delay=20)
    page.wait_for_function(
        "document.querySelector('#results').innerText.includes('G0320')"
        " && !document.querySelector('#q').classList.contains('htmx-request')"
    )
    box.press("ArrowDown")
    assert page.locator("#results [aria-selected=true]").count() == 1
    first = page.locator("#results [aria-selected=true] .hcpcs").inner_text()
    box.press("Enter")
    page.wait_for_url(f"**/codes/{first}")
    assert page.locator("h1#description").is_visible()


def test_code_page_g0320_shows_every_section(page: Any, artifacts_dir: Path) -> None:
    page.goto("/codes/G0320")
    for section in (
        "#long-description",
        "#plain-language",
        "#clinical-context",
        "#rvus",
        "#indicators",
        "#billing",
        "#comparison",
        "#specialties",
        "#faq",
        "#modifiers",
        "#history",
        "#payment",
    ):
        assert page.locator(section).count() == 1, section
    assert (
        "does not have a physician work component assigned by CMS" in page.locator("#zero-work").inner_text()
    )
    assert "American Medical Association" in page.locator("footer").inner_text()
    page.wait_for_selector("#payment-amounts [data-setting=facility]")
    assert "Not paid separately (status X)" in page.locator("#payment-amounts").inner_text()
    page.screenshot(path=str(artifacts_dir / "code-G0320.png"), full_page=True)


def test_payment_card_follows_the_locality_chooser(page: Any) -> None:
    page.goto("/codes/99213")
    page.wait_for_selector("#payment-amounts [data-setting=facility]")
    national = page.locator("#payment-amounts [data-setting=nonfacility] .value").inner_text()
    page.select_option("#pay-locality", index=1)
    page.wait_for_function(
        "n => document.querySelector('#payment-amounts [data-setting=nonfacility] .value').innerText !== n",
        arg=national,
    )
    local = page.locator("#payment-amounts [data-setting=nonfacility] .value").inner_text()
    assert national.startswith("$") and local.startswith("$") and local != national
    page.fill("#pay-zip", "10001")
    page.click("#payment button[type=submit]")
    page.wait_for_selector("text=(ZIP 10001)")


def _sign_up(page: Any) -> str:
    email = f"clinician-{uuid.uuid4().hex[:8]}@example.org"
    page.goto("/signup")
    page.fill("#f-email", email)
    page.fill("#f-password", WEB_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/profile**")
    return email


def _log(page: Any, query: str, code: str, modifiers: list[str], units: int = 1) -> None:
    page.goto("/log")
    page.locator("#code-q").press_sequentially(query, delay=30)
    page.locator(f"#pick-results [data-pick-code='{code}']").first.click()
    for modifier in modifiers:
        page.locator(f"label[for='mod-{modifier}']").click()
    for _ in range(units - 1):
        page.click("[data-step='1']")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#flash")


LINES = [("9921", "99213", ["25"], 1), ("2061", "20610", ["RT"], 1), ("70557", "70557", ["26"], 1)]


def _log_three(page: Any) -> None:
    for query, code, modifiers, units in LINES:
        _log(page, query, code, modifiers, units)
    text = page.locator("#today").inner_text()
    assert "99213-25" in text and "20610-RT" in text and "70557-26" in text


def _line_wrvus(page: Any) -> Decimal:
    values = page.locator("#today .lines .num").all_inner_texts()
    return sum((Decimal(v) for v in values if v.strip() not in ("", "—")), Decimal("0"))


def test_sign_up_log_three_procedures_dashboard_and_csv_export(
    page: Any, artifacts_dir: Path, reference: Any
) -> None:
    _sign_up(page)
    page.fill("#f-zip_code", "10001")
    page.fill("#f-annual_wrvu_goal", "5000")
    page.fill("#f-dollars_per_wrvu", "52.50")
    page.click("text=Save profile")
    page.wait_for_selector("text=Profile saved.")
    _log_three(page)  # on the form's date: today
    logged_total = _line_wrvus(page)
    # in a year with no loaded release the lines wait unpriced: the dashboard counts them as 0 and says so
    priced = release_in_force(reference, date.today()) is not None
    assert (logged_total > 0) is priced
    page.goto("/dashboard?period=year")
    page.wait_for_selector(".chart[data-ready='1'] svg")
    assert Decimal(page.locator("#total-wrvu").inner_text().replace(",", "")) == logged_total
    assert ("3 line(s) have no CMS amount" in page.locator("main").inner_text()) is not priced
    assert page.locator("#total-lines").inner_text().strip() == "3"
    assert "99213" in page.locator("#top-codes").inner_text()
    compensation = Decimal(page.locator("#total-comp").inner_text().lstrip("$").replace(",", ""))
    assert compensation == (logged_total * Decimal("52.50")).quantize(Decimal("0.01"))
    assert "of 5,000 wRVU this year" in page.locator("#goal").inner_text()
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#export-csv")
    content = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert sorted((r["hcpcs"], r["modifiers"]) for r in rows) == [
        ("20610", "RT"),
        ("70557", "26"),
        ("99213", "25"),
    ]
    assert all(r["date_of_service"] == date.today().isoformat() for r in rows)


def test_phone_logging_flow_fits_375px_with_44px_touch_targets(phone: Any, artifacts_dir: Path) -> None:
    _sign_up(phone)
    _log_three(phone)
    phone.goto("/log")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = phone.evaluate(
        """targets => [...document.querySelectorAll(targets)]
              .map(el => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
              .filter(([_, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
              .map(([html, r]) => html + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""",
        TOUCH_TARGETS,
    )
    assert small == []
    phone.screenshot(path=str(artifacts_dir / "log-phone.png"), full_page=True)
    phone.goto("/dashboard?period=year")
    phone.wait_for_selector(".chart[data-ready='1'] svg")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(artifacts_dir / "dashboard-phone.png"), full_page=True)
    assert (
        phone.evaluate("fetch('/manifest.webmanifest').then(r => r.json()).then(m => m.display)")
        == "standalone"
    )
