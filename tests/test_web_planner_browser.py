"""The planner pages in Debian's Chromium: htmx swaps the answer in without a page load; screenshots
land in ``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixtures_web import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_offers_and_planner_answer_in_place(page: Any, artifacts_dir: Path) -> None:
    page.goto("/offers")
    page.evaluate("window.notReloaded = true")  # survives only if htmx swaps instead of a page load
    page.fill("#f-expected", "6000")
    page.fill("#f-low", "5000")
    page.fill("#f-high", "7500")
    for field, value in {
        "o1_base_salary": "300000",
        "o1_threshold": "6000",
        "o1_dollars_per_wrvu": "50",
        "o2_name": "Private group",
        "o2_base_salary": "250000",
        "o2_threshold": "4000",
        "o2_tiers": "0:45, 7000:55",
        "o2_signing_bonus": "20000",
    }.items():
        page.fill(f"#f-{field}", value)
    page.click("#offers button[type=submit]")
    page.wait_for_selector("#offers-table")
    assert page.evaluate("window.notReloaded") is True
    # 250,000 + 20,000 signing + 45 x (x - 4,000) = 300,000 -> x = 4,666.67
    assert "break even at 4,666.67 wRVU" in page.inner_text("#offers-break-even")
    page.wait_for_selector("#offers-chart[data-ready] svg")  # the pay lines drawn by vega-embed
    page.add_style_tag(content=".topbar { position: static; }")  # keep the header off the result
    page.locator("#offers-result").screenshot(path=str(artifacts_dir / "offers.png"))

    page.goto("/planner")
    page.fill("#f-target", "5000")
    page.fill("#f-done", "3200")
    page.fill("#f-weeks", "12")
    page.fill("#f-codes", "99213=3 99214")
    page.fill("#f-tiers", "0:45, 4000:52")
    page.click("#planner button[type=submit]")
    page.wait_for_selector("#plan-counts")
    assert page.inner_text("#plan-left") == "1,800.00"
    page.fill("#f-weeks", "0")
    page.click("#planner button[type=submit]")
    page.wait_for_selector("#e-weeks")
    page.fill("#f-weeks", "12")
    page.click("#planner button[type=submit]")
    page.wait_for_selector("#plan-counts")
    page.screenshot(path=str(artifacts_dir / "planner.png"), full_page=True)
