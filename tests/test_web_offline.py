"""The offline pieces served by the app: the service worker route and the outbox hooks on the log page.

The behaviour in a browser (queue, resend, no double count) is in ``test_web_offline_browser.py``.
"""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from fixtures_web import csrf, sign_up

HTML = {"accept": "text/html"}


def test_service_worker_is_served_from_the_root_with_its_scope_and_no_cache_headers(
    client: TestClient,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    # stamped with the digest of the static files, so a changed shell installs a new worker
    version = re.search(r'^const VERSION = "([^"]*)";$', response.text, re.M)
    assert version and re.fullmatch(r"[0-9a-f]{16}", version.group(1))
    assert client.get("/sw.js").text == response.text
    assert "/sw.js" not in client.get("/openapi.json").json()["paths"]


def test_every_app_shell_file_the_worker_precaches_exists(client: TestClient) -> None:
    # one missing file would make the worker's install fail, and the log would never open offline
    script = client.get("/sw.js").text
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script, re.S).group(1).replace(",\n]", "]"))  # type: ignore[union-attr]
    assert "/static/outbox.js" in shell and "/static/vendor/htmx.min.js" in shell
    for url in shell:
        assert client.get(url).status_code == 200, url


def test_worker_never_touches_the_json_api_or_other_users_data(client: TestClient) -> None:
    script = client.get("/sw.js").text
    # only GET requests of this origin, and the only page kept is the log page
    assert 'if (request.method !== "GET") return;' in script
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    assert re.findall(r"cache\.put\(([^,]+),", code) == ["LOG_PATH"]
    assert "/api" not in code


def test_log_page_carries_the_outbox_hooks_and_the_edit_page_does_not(client: TestClient) -> None:
    sign_up(client, "outbox@example.org")
    page = client.get("/log", headers=HTML).text
    assert '<script src="/static/outbox.js" defer></script>' in page
    assert re.search(r'<form id="log-form"[^>]* data-outbox>', page)
    user_id = re.search(r'id="outbox" class="outbox" data-outbox-user="(\d+)"', page)
    assert user_id
    assert re.search(r'<p id="outbox-count"[^>]*>0 waiting to send</p>', page)
    created = client.post(
        "/api/log",
        json={"date_of_service": "2025-11-03", "hcpcs": "99213", "idempotency_key": "o-edit"},
        headers={"x-csrf-token": csrf(client)},
    )
    assert created.status_code == 201
    edit = client.get(f"/log/{created.json()['id']}/edit", headers=HTML).text
    assert 'id="log-form"' in edit and "data-outbox" not in edit  # an edit is never queued


def test_outbox_entries_are_stored_as_web_and_only_a_signed_in_page_can_say_so(client: TestClient) -> None:
    """The outbox resends entries typed on the log page through the JSON API with ``X-OpenRVU-Outbox``:
    they are stored as source "web", like the form's. The header counts only with the session cookie
    (CSRF-checked, so from the app's own page): an API token client stays "api", header or not."""
    sign_up(client, "outbox@example.org")
    line = {"date_of_service": "2026-11-02", "hcpcs": "99213"}
    token = {"x-csrf-token": csrf(client)}
    outbox = client.post("/api/log", json=line, headers={**token, "x-openrvu-outbox": "1"})
    plain = client.post("/api/log", json=line, headers=token)
    assert outbox.status_code == plain.status_code == 201
    assert (outbox.json()["source"], plain.json()["source"]) == ("web", "api")
    page = client.post("/profile/tokens", data={"csrf_token": csrf(client), "token_name": "script"})
    api_token = page.text.split('id="new-token">')[1].split("<")[0]
    bot = TestClient(client.app, base_url="https://testserver")
    claimed = bot.post(
        "/api/log", json=line, headers={"authorization": f"Bearer {api_token}", "x-openrvu-outbox": "1"}
    )
    assert claimed.status_code == 201 and claimed.json()["source"] == "api"
    # and a page without the CSRF token cannot send it at all
    assert client.post("/api/log", json=line, headers={"x-openrvu-outbox": "1"}).status_code == 403
    sources = sorted(x["source"] for x in client.get("/api/log").json()["lines"])
    assert sources == ["api", "api", "web"]
