"""The coding-warning badge of a log line in a real browser (Debian's Chromium through Playwright) on a
375 px phone: closed until tapped, then the message; the full text also on hover (``title``)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures_tracker import PRICED_DAY
from fixtures_web import WEB_PASSWORD, LiveServer
from openrvu.reference.categories import EM_FAMILIES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 375, "height": 812}
DAY = PRICED_DAY  # lines are dated inside a loaded release, so they are priced in any year


@pytest.fixture()
def phone(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def major(reference) -> str:  # type: ignore[no-untyped-def]
    """A major (090) procedure, active and priced in the office in the release in force on ``DAY``."""
    release, _ = reference.release_for_date(DAY)
    return str(
        next(
            r.hcpcs
            for r in reference.iter_rvu(release.name)
            if r.modifier == "" and r.status_code == "A" and r.global_days == "090" and not r.nonfac_na
        )
    )


def _log(page: Any, code: str, day: date) -> None:
    page.goto("/log")
    page.locator("#code-q").press_sequentially(code, delay=30)
    page.locator(f"#pick-results [data-pick-code='{code}']").first.click()
    page.fill("#f-date", day.isoformat())
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#flash")


def test_the_badge_opens_on_tap_and_names_the_modifier(phone: Any, major: str, artifacts_dir: Path) -> None:
    phone.goto("/signup")
    phone.fill("#f-email", f"surgeon-{uuid.uuid4().hex[:8]}@example.org")
    phone.fill("#f-password", WEB_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/profile**")
    visit = EM_FAMILIES[1][2][2]
    _log(phone, major, DAY - timedelta(days=10))
    _log(phone, visit, DAY)
    phone.goto("/log")
    badges = phone.locator("#today .coding-warnings")
    assert badges.count() == 1
    message = badges.locator("[data-code='em-in-global-period']")
    assert not message.is_visible()
    summary = badges.locator("summary")
    assert "modifier 24" in (summary.get_attribute("title") or "")  # the text on hover
    summary.tap()
    assert message.is_visible() and "modifier 24" in message.inner_text() and major in message.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(artifacts_dir / "log-coding-warning-phone.png"), full_page=True)
