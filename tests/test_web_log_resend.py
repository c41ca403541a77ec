"""A late resend of a deleted line (the offline outbox retrying, a form sent again) stores nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fixtures_tracker import PRICED_DAY
from fixtures_web import csrf, sign_up

LINE = {"date_of_service": PRICED_DAY.isoformat(), "hcpcs": "99213", "idempotency_key": "o0123abc"}


def test_api_resend_after_delete_answers_the_deleted_line_as_a_duplicate(client: TestClient) -> None:
    sign_up(client, "resend@example.org")
    created = client.post("/api/log", json=LINE, headers={"x-csrf-token": csrf(client)})
    assert created.status_code == 201
    line_id = created.json()["id"]
    deleted = client.delete(f"/api/log/{line_id}", headers={"x-csrf-token": csrf(client)})
    assert deleted.status_code == 204
    resent = client.post("/api/log", json=LINE, headers={"x-csrf-token": csrf(client)})
    # 2xx: the outbox drops the entry; nothing stored, and the answer says why
    assert resent.status_code == 200
    body = resent.json()
    assert body["deleted"] is True and body["detail"] == "already received; the line was deleted"
    assert body["id"] == line_id
    same = {k: v for k, v in created.json().items() if k not in ("source", "pricing_note")}
    assert {k: body[k] for k in same} == same  # the line as it was, in the fields of a line
    assert client.get("/api/log").json()["lines"] == []
    assert client.get(f"/api/log/{line_id}").status_code == 404


def test_form_sent_again_after_its_line_was_deleted_logs_nothing(client: TestClient) -> None:
    sign_up(client, "form-resend@example.org")
    form = {"csrf_token": csrf(client), "units": "1", "pos": "11", **LINE}
    first = client.post("/log", data=form, follow_redirects=False)
    line_id = int(first.headers["location"].rsplit("=", 1)[1])
    client.post(f"/log/{line_id}/delete", data={"csrf_token": csrf(client)}, follow_redirects=False)
    again = client.post("/log", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/log?resent=deleted"
    page = client.get(again.headers["location"], headers={"accept": "text/html"})
    assert "Already received; the line was deleted" in page.text
    assert client.get("/api/log").json()["lines"] == []
