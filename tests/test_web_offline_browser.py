"""The offline outbox in a real browser (Debian's Chromium through Playwright, against the app's own server).

Offline is the browser's own emulation (``context.set_offline``); a lost answer is a request that reaches
the server while the browser is told the connection dropped. The server's database is read directly to
check that every entry arrives exactly once. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fixtures_tracker import PRICED_DAY
from fixtures_web import WEB_PASSWORD, LiveServer
from openrvu.tracker import entries
from openrvu.tracker.models import LogEntry, User

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 375, "height": 812}
COUNT = "#outbox-count"


@pytest.fixture()
def context(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _server_lines(live_server: LiveServer, email: str) -> list[LogEntry]:
    app: Any = live_server.server.config.app
    with app.state.services.session_maker() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return list(
            session.scalars(select(LogEntry).where(LogEntry.user_id == user.id).order_by(LogEntry.id))
        )


def _sign_up_and_open_log(page: Any) -> str:
    email = f"offline-{uuid.uuid4().hex[:8]}@example.org"
    page.goto("/signup")
    page.fill("#f-email", email)
    page.fill("#f-password", WEB_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/profile**")
    page.goto("/log")
    # the service worker has installed (shell and log page saved) and controls the page
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return email


def _add(page: Any, code: str, modifiers: tuple[str, ...] = (), day: date | None = None) -> None:
    """Fill the log form and submit it; without ``day`` the line keeps the form's date (today)."""
    page.fill("#code-q", code)
    if day is not None:
        page.fill("#f-date", day.isoformat())
    for modifier in modifiers:
        page.locator(f"label[for='mod-{modifier}']").click()
    page.click("#log-form button[type=submit]")


def _waiting(page: Any, n: int) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent === text",
        arg=[COUNT, f"{n} waiting to send"],
    )


def test_entries_made_offline_wait_survive_a_reload_and_arrive_once_when_back_online(
    context: Any, live_server: LiveServer, artifacts_dir: Path
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    _add(page, "99213", ("25",))
    _waiting(page, 1)
    _add(page, "20610", ("RT",))
    _waiting(page, 2)
    queued = page.locator("#outbox-lines li.queued")
    assert queued.count() == 2
    assert (
        queued.all_inner_texts()[0].startswith("99213-25")
        and "Waiting to send" in queued.all_inner_texts()[1]
    )
    assert "No connection" in page.locator("#outbox-status").inner_text()
    assert page.locator("#code-q").input_value() == ""  # ready for the next line
    assert _server_lines(live_server, email) == []
    page.screenshot(path=str(artifacts_dir / "log-offline-queue.png"), full_page=True)

    # reloaded without a connection: the worker's saved page, and the queue is still there
    page.reload()
    assert page.locator("main[data-offline-copy]").count() == 1
    _waiting(page, 2)
    assert "Offline: this is the log as saved on " in page.locator("#outbox-status").inner_text()
    page.screenshot(path=str(artifacts_dir / "log-offline-reloaded.png"), full_page=True)
    keys = page.evaluate(
        """() => new Promise(resolve => {
             const open = indexedDB.open("openrvu", 1);
             open.onsuccess = () => {
               const all = open.result.transaction("outbox").objectStore("outbox").getAll();
               all.onsuccess = () => resolve(all.result.map(e => e.key));
             };
           })"""
    )

    context.set_offline(False)
    _waiting(page, 0)
    page.wait_for_function("document.querySelector('#today').innerText.includes('20610-RT')")
    assert "99213-25" in page.locator("#today").inner_text()
    assert page.locator("#outbox").is_hidden() or "were sent" in page.locator("#outbox-status").inner_text()
    lines = _server_lines(live_server, email)
    assert sorted((e.hcpcs, e.modifiers) for e in lines) == [("20610", "RT"), ("99213", "25")]
    assert [e.source for e in lines] == ["web", "web"]  # typed in the browser, not an API client's
    assert sorted(str(e.idempotency_key) for e in lines) == sorted(keys)  # the keys made on the device, once
    assert all(e.date_of_service == date.today() for e in lines)
    page.screenshot(path=str(artifacts_dir / "log-offline-sent.png"), full_page=True)

    page.reload()  # sent lines are never sent again
    _waiting(page, 0)
    assert len(_server_lines(live_server, email)) == 2


def test_same_patient_made_offline_joins_the_line_queued_before_it(
    context: Any, live_server: LiveServer
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    # dated inside a loaded release: the wRVU of the joined line is compared (priced in any year)
    _add(page, "20610", day=PRICED_DAY)
    _waiting(page, 1)
    page.locator("label[for='f-same-patient']").click()
    _add(page, "20610", ("59",), day=PRICED_DAY)
    _waiting(page, 2)
    assert not page.locator("#f-same-patient").is_checked()  # the next line is a new patient again
    assert "same patient" in page.locator("#outbox-lines li.queued").all_inner_texts()[1]
    _add(page, "20610", day=PRICED_DAY)
    _waiting(page, 3)
    context.set_offline(False)
    _waiting(page, 0)
    first, joined, other = _server_lines(live_server, email)
    assert {first.date_of_service, joined.date_of_service, other.date_of_service} == {PRICED_DAY}
    assert (first.modifiers, joined.modifiers, other.modifiers) == ("", "59", "")
    assert first.encounter == joined.encounter != other.encounter
    assert joined.wrvu is not None and first.wrvu == other.wrvu is not None and joined.wrvu < first.wrvu


def test_a_lost_answer_is_resent_with_the_same_key_and_counted_once(
    context: Any, live_server: LiveServer
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    sent: list[dict[str, Any]] = []

    def lose_first_answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data))
        if len(sent) == 1:
            route.fetch()  # the server stores the line ...
            route.abort("internetdisconnected")  # ... but the phone never hears back
        else:
            route.continue_()

    context.route("**/api/log", lose_first_answer)
    _add(page, "99214")
    _waiting(page, 1)
    assert len(_server_lines(live_server, email)) == 1  # already stored: only the answer was lost
    _waiting(page, 0)  # the retry (a few seconds later) delivers it
    page.wait_for_function("document.querySelector('#today').innerText.includes('99214')")
    assert len(sent) == 2 and sent[0] == sent[1]
    assert sent[0]["idempotency_key"].startswith("o") and sent[0]["hcpcs"] == "99214"
    lines = _server_lines(live_server, email)
    assert [(e.hcpcs, e.idempotency_key) for e in lines] == [("99214", sent[0]["idempotency_key"])]
    assert page.locator("#today .lines li").count() == 1


def test_a_resent_entry_whose_line_was_deleted_meanwhile_is_not_counted_as_sent(
    context: Any, live_server: LiveServer
) -> None:
    """A queued 99214 reaches the server, its answer is lost, and the user deletes that line (on another
    device) before the retry: the retry answers 200 "deleted", so the outbox drops the entry without
    logging it again and says so, apart from the lines it did send."""
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    app: Any = live_server.server.config.app
    sent: list[dict[str, Any]] = []

    def store_then_delete_then_lose_the_answer(route: Any) -> None:
        body = json.loads(route.request.post_data)
        first_send = body["idempotency_key"] not in {e["idempotency_key"] for e in sent}
        sent.append(body)
        if body["hcpcs"] != "99214" or not first_send:
            route.continue_()
            return
        stored = route.fetch().json()  # the server stores the line ...
        services = app.state.services
        with services.session_maker() as session:  # ... the user deletes it elsewhere ...
            user = session.scalars(select(User).where(User.email == email)).one()
            entries.delete_entry(session, user, stored["id"], services.catalog)
        route.abort("internetdisconnected")  # ... and the phone never heard back

    context.route("**/api/log", store_then_delete_then_lose_the_answer)
    context.set_offline(True)
    _add(page, "99214")
    _add(page, "99213")
    _waiting(page, 2)
    context.set_offline(False)
    _waiting(page, 0)  # the retry (a few seconds later) sends both
    status = page.locator("#outbox-status")
    assert status.inner_text() == (
        "1 waiting line was sent; 1 had already arrived and was deleted since: not logged again."
    )
    assert [e["hcpcs"] for e in sent] == ["99214", "99214", "99213"] and sent[0] == sent[1]
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99213"]  # the deleted one stays deleted
    page.wait_for_function("document.querySelector('#today').innerText.includes('99213')")
    assert "99214" not in page.locator("#today").inner_text()

    # the deleted line alone: nothing was sent
    context.set_offline(True)
    _add(page, "99214")
    _waiting(page, 1)
    context.set_offline(False)
    page.wait_for_function("document.querySelector('#outbox-status').innerText.includes('deleted since')")
    _waiting(page, 0)
    alone = "1 waiting line had already arrived and was deleted since: not logged again."
    assert status.inner_text() == alone
    assert len(sent) == 5 and sent[3] == sent[4]
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99213"]


def test_a_refused_entry_comes_back_with_the_reason_and_is_kept_until_fixed(
    context: Any, live_server: LiveServer, artifacts_dir: Path
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    _add(page, "ZZZZZ")  # well formed, but no such code in the fee schedule
    _add(page, "99212")
    _waiting(page, 2)
    context.set_offline(False)
    refused = page.locator("#outbox-lines li.refused")
    refused.wait_for()
    _waiting(page, 1)  # the good line went through, the refused one stays
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99212"]
    reason = refused.locator("[role=alert]").inner_text()
    assert reason.startswith("Not accepted: Code:") and "ZZZZZ" in reason
    page.screenshot(path=str(artifacts_dir / "log-offline-refused.png"), full_page=True)

    page.reload()  # kept on the device, with its reason, until the user acts
    _waiting(page, 1)
    assert page.locator("#outbox-lines li.refused [role=alert]").inner_text() == reason

    page.locator("#outbox-lines li.refused button", has_text="Fix").click()
    assert page.locator("#code-q").input_value() == "ZZZZZ"
    page.fill("#code-q", "99213")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#flash")
    _waiting(page, 0)
    assert sorted(e.hcpcs for e in _server_lines(live_server, email)) == ["99212", "99213"]


def test_a_refused_entry_can_be_discarded_and_only_then_leaves(context: Any, live_server: LiveServer) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    _add(page, "ZZZZZ")
    _waiting(page, 1)  # queued before the connection returns (else it is sent online and refused at once)
    context.set_offline(False)
    page.locator("#outbox-lines li.refused").wait_for()
    page.locator("#outbox-lines li.refused button", has_text="Discard").click()
    _waiting(page, 0)
    assert "never logged" in page.locator("#outbox-status").inner_text()
    assert _server_lines(live_server, email) == []


def test_online_the_form_behaves_as_before_with_and_without_javascript(
    browser: Any, context: Any, live_server: LiveServer
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    _add(page, "99213", ("25",))
    page.wait_for_selector("#flash")
    assert "Logged 99213-25" in page.locator("#flash").inner_text()
    _add(page, "ABC")  # refused online: the server's errors beside the field, nothing queued
    page.wait_for_selector("#e-hcpcs")
    _waiting(page, 0)
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99213"]

    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        nojs = plain.new_page()
        other = f"nojs-{uuid.uuid4().hex[:8]}@example.org"
        nojs.goto("/signup")
        nojs.fill("#f-email", other)
        nojs.fill("#f-password", WEB_PASSWORD)
        nojs.click("button[type=submit]")
        nojs.wait_for_url("**/profile**")
        nojs.goto("/log")
        assert nojs.locator("#outbox").is_hidden()
        nojs.fill("#code-q", "99213")
        nojs.click("#log-form button[type=submit]")
        nojs.wait_for_selector("#flash")
        assert [e.source for e in _server_lines(live_server, other)] == ["web"]
    finally:
        plain.close()


def test_a_stale_security_token_or_an_ended_session_never_loses_a_waiting_line(
    context: Any, live_server: LiveServer
) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    _add(page, "99213")
    _waiting(page, 1)
    # the browser restarted (its CSRF cookie gone) and the session ended during the shift
    context.clear_cookies(name="openrvu_csrf")
    context.clear_cookies(name="openrvu_session")
    context.set_offline(False)
    page.wait_for_function("document.querySelector('#outbox-status').innerText.includes('Sign in again')")
    _waiting(page, 1)
    assert _server_lines(live_server, email) == []

    page.goto("/signin?next=/log")
    page.fill("#f-email", email)
    page.fill("#f-password", WEB_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/log")
    _waiting(page, 0)
    page.wait_for_function("document.querySelector('#today').innerText.includes('99213')")
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99213"]


def test_an_offline_copy_with_an_old_token_still_sends(context: Any, live_server: LiveServer) -> None:
    page = context.new_page()
    email = _sign_up_and_open_log(page)
    context.set_offline(True)
    page.reload()  # the saved page, with the token of the day it was saved
    assert page.locator("main[data-offline-copy]").count() == 1
    stale = page.locator("#log-form input[name=csrf_token]").input_value()
    _add(page, "99214")
    _waiting(page, 1)
    context.clear_cookies(name="openrvu_csrf")  # a restarted browser: the saved token no longer matches
    context.set_offline(False)
    _waiting(page, 0)
    assert [e.hcpcs for e in _server_lines(live_server, email)] == ["99214"]
    assert page.locator("#log-form input[name=csrf_token]").input_value() != stale


def test_sign_out_drops_the_saved_page_and_the_next_account_never_sends_the_last_ones_lines(
    context: Any, live_server: LiveServer
) -> None:
    page = context.new_page()
    first = _sign_up_and_open_log(page)
    context.route("**/api/log", lambda route: route.abort("connectionrefused"))  # the server is unreachable
    _add(page, "99213")
    _waiting(page, 1)
    page.click("nav.nav button[type=submit]:has-text('Sign out')")
    page.wait_for_url(lambda url: not url.endswith("/log"))
    assert page.evaluate("caches.open('openrvu-pages').then(c => c.match('/log')).then(r => r === undefined)")

    context.set_offline(True)
    page.goto("/log")  # nobody's log: the worker has no saved copy any more
    assert "No connection" in page.locator("h1").inner_text()
    assert "99213" not in page.content()
    context.set_offline(False)

    second = _sign_up_and_open_log(page)
    context.unroute("**/api/log")
    _waiting(page, 0)  # the first account's line is neither shown nor sent here
    page.reload()
    _waiting(page, 0)
    stored = page.evaluate(
        """() => new Promise(resolve => {
             const open = indexedDB.open("openrvu", 1);
             open.onsuccess = () => {
               const all = open.result.transaction("outbox").objectStore("outbox").getAll();
               all.onsuccess = () => resolve(all.result.map(e => e.hcpcs));
             };
           })"""
    )
    assert stored == ["99213"]  # kept on the device for the account that made it
    assert _server_lines(live_server, second) == [] and _server_lines(live_server, first) == []
