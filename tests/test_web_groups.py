"""Groups through the pages: an admin creates a group and adds members; a manager sees the members'
totals; a clinician gets 404 for the group page and never sees another member's lines."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fixtures_tracker import release_in_force
from fixtures_web import csrf, sign_up

HTML = {"accept": "text/html"}


def _user_id(admin: TestClient, email: str) -> int:
    page = admin.get("/groups/1", headers=HTML).text
    found = re.search(rf'<option value="(\d+)">{re.escape(email)}</option>', page)
    assert found, email
    return int(found.group(1))


def test_admin_creates_a_group_manager_sees_totals_clinician_gets_404(
    web_app: FastAPI, reference: Any
) -> None:
    admin = TestClient(web_app, base_url="https://testserver")
    sign_up(admin, "admin@example.org")
    admin.post("/admin/signup-mode", data={"csrf_token": csrf(admin), "signup_mode": "open"})
    manager = TestClient(web_app, base_url="https://testserver")
    sign_up(manager, "manager@example.org")
    clinician = TestClient(web_app, base_url="https://testserver")
    sign_up(clinician, "clinician@example.org")
    clinician.post(
        "/log",
        data={
            "csrf_token": csrf(clinician),
            "hcpcs": "99214",
            "units": "1",
            "date_of_service": date.today().isoformat(),  # the board's ranges end today
            "pos": "11",
        },
    )

    empty = admin.post("/groups", data={"csrf_token": csrf(admin), "name": ""}, headers=HTML)
    assert empty.status_code == 422 and 'id="e-name"' in empty.text
    created = admin.post(
        "/groups", data={"csrf_token": csrf(admin), "name": "Clinic A"}, follow_redirects=False
    )
    assert created.status_code == 303 and created.headers["location"] == "/groups/1"
    for email, role in (("manager@example.org", "manager"), ("clinician@example.org", "clinician")):
        added = admin.post(
            "/groups/1/members",
            data={"csrf_token": csrf(admin), "user_id": _user_id(admin, email), "role": role},
        )
        assert added.status_code == 200

    board = manager.get("/groups/1", params={"period": "day"}, headers=HTML)
    assert board.status_code == 200
    assert "clinician@example.org" in board.text and 'id="members"' in board.text
    # 99214 work RVU, national (RVU26C); a line of a year with no loaded release waits unpriced (0)
    expected = "1.92" if release_in_force(reference, date.today()) else "0.00"
    assert re.search(rf'id="group-wrvu">{re.escape(expected)}<', board.text)
    assert re.search(
        r'<tr><td>clinician@example.org</td>(?:(?!</tr>).)*<td class="num">1</td></tr>', board.text
    )
    assert clinician.get("/groups/1", headers=HTML).status_code == 404
    assert clinician.post("/groups", data={"csrf_token": csrf(clinician), "name": "Mine"}).status_code == 403
    assert manager.get("/api/log").json()["lines"] == []  # a manager's own log is still only their own


def test_sign_up_by_invitation_only(web_app: FastAPI) -> None:
    admin = TestClient(web_app, base_url="https://testserver")
    sign_up(admin, "boss@example.org")
    admin.post("/admin/signup-mode", data={"csrf_token": csrf(admin), "signup_mode": "invite"})
    stranger = TestClient(web_app, base_url="https://testserver")
    refused = stranger.post(
        "/signup",
        data={"csrf_token": csrf(stranger), "email": "nurse@example.org", "password": "long enough secret"},
    )
    assert refused.status_code == 403 and "invitation" in refused.text
    bad = admin.post(
        "/admin/invite", data={"csrf_token": csrf(admin), "invite_email": "not-an-email"}, headers=HTML
    )
    assert bad.status_code == 422 and 'id="e-invite_email"' in bad.text and 'value="not-an-email"' in bad.text
    ok = admin.post("/admin/invite", data={"csrf_token": csrf(admin), "invite_email": "nurse@example.org"})
    assert ok.status_code == 200 and "Invited nurse@example.org" in ok.text
    sign_up(stranger, "nurse@example.org", "long enough secret")
