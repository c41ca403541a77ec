"""Named security tests of the web app: ownership, CSRF, sessions, throttling, passwords, cookies."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from fixtures_web import WEB_PASSWORD, csrf, sign_up
from openrvu.settings import Settings
from openrvu.tracker import accounts
from openrvu.tracker.db import make_engine, session_factory

HTML = {"accept": "text/html"}


def _log_line(client: TestClient, code: str = "99213", key: str | None = None) -> int:
    payload = {
        "date_of_service": date.today().isoformat(),
        "hcpcs": code,
        "modifiers": ["25"],
        "units": 1,
        "pos": "11",
    }
    if key:
        payload["idempotency_key"] = key
    response = client.post("/api/log", json=payload, headers={"x-csrf-token": csrf(client)})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _open_signup(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        admin = accounts.sign_in(session, "owner@example.org", WEB_PASSWORD, "test")
        accounts.set_signup_mode(session, admin, "open")
    engine.dispose()


@pytest.fixture()
def two_users(web_app, web_settings: Settings) -> tuple[TestClient, TestClient]:  # type: ignore[no-untyped-def]
    owner = TestClient(web_app, base_url="https://testserver")
    sign_up(owner, "owner@example.org")
    _open_signup(web_settings)
    other = TestClient(web_app, base_url="https://testserver")
    sign_up(other, "other@example.org")
    return owner, other


def test_another_users_line_answers_404_everywhere(two_users: tuple[TestClient, TestClient]) -> None:
    owner, other = two_users
    line = _log_line(owner)
    token = csrf(other)
    assert other.get(f"/log/{line}/edit", headers=HTML).status_code == 404
    changed = other.post(
        f"/log/{line}",
        data={
            "csrf_token": token,
            "hcpcs": "99215",
            "units": "1",
            "date_of_service": date.today().isoformat(),
            "pos": "11",
        },
    )
    assert changed.status_code == 404
    assert other.post(f"/log/{line}/delete", data={"csrf_token": token}).status_code == 404
    assert other.get(f"/api/log/{line}").status_code == 404
    assert other.delete(f"/api/log/{line}", headers={"x-csrf-token": token}).status_code == 404
    assert other.get("/api/log").json()["lines"] == []
    # the owner's line is untouched
    mine = owner.get(f"/api/log/{line}").json()
    assert (mine["hcpcs"], mine["modifiers"]) == ("99213", ["25"])


def test_csrf_rejected_without_or_with_a_wrong_token(client: TestClient) -> None:
    sign_up(client, "csrf@example.org")
    form = {"hcpcs": "99213", "units": "1", "date_of_service": date.today().isoformat(), "pos": "11"}
    missing = client.post("/log", data=form, headers=HTML)
    assert missing.status_code == 403 and "CSRF" in missing.text
    wrong = client.post("/log", data={**form, "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    api = client.post("/api/log", json={"date_of_service": form["date_of_service"], "hcpcs": "99213"})
    assert api.status_code == 403
    assert client.get("/api/log").json()["lines"] == []  # nothing was stored
    # a cross-site form post carries no CSRF cookie at all
    fresh = TestClient(client.app, base_url="https://testserver")
    assert (
        fresh.post("/signin", data={"email": "csrf@example.org", "password": WEB_PASSWORD}).status_code == 403
    )
    ok = client.post("/log", data={**form, "csrf_token": csrf(client)}, follow_redirects=False)
    assert ok.status_code == 303


def test_session_revoked_on_sign_out(client: TestClient) -> None:
    sign_up(client, "bye@example.org")
    cookie = client.cookies.get("openrvu_session")
    assert client.get("/log", headers=HTML, follow_redirects=False).status_code == 200
    out = client.post("/signout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert out.status_code == 303
    # replaying the old cookie no longer works: the session is revoked server-side
    replay = TestClient(client.app, base_url="https://testserver", cookies={"openrvu_session": cookie})
    page = replay.get("/log", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
    assert replay.get("/api/log").status_code == 401


def test_login_throttled_after_repeated_failures(client: TestClient) -> None:
    sign_up(client, "slow@example.org")
    client.post("/signout", data={"csrf_token": csrf(client)})
    token = csrf(client)
    statuses = [
        client.post(
            "/signin", data={"email": "slow@example.org", "password": "wrong password!", "csrf_token": token}
        ).status_code
        for _ in range(accounts.MAX_FAILURES)
    ]
    assert statuses == [401] * accounts.MAX_FAILURES
    blocked = client.post(
        "/signin",
        data={"email": "slow@example.org", "password": WEB_PASSWORD, "csrf_token": token},
        headers=HTML,
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in blocked.text
    assert 'value="slow@example.org"' in blocked.text  # what the user typed is kept


def test_password_never_stored_or_logged_in_clear(
    client: TestClient, web_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_up(client, "secret@example.org")
    client.post("/signout", data={"csrf_token": csrf(client)})
    client.post(
        "/signin", data={"email": "secret@example.org", "password": WEB_PASSWORD, "csrf_token": csrf(client)}
    )
    engine = create_engine(web_settings.database_url)
    with engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM users"))
        dump += "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM audit_log"))
    engine.dispose()
    assert WEB_PASSWORD not in dump and "$argon2id$" in dump
    assert WEB_PASSWORD not in caplog.text


def test_session_cookie_is_httponly_samesite_and_secure_off_only_on_loopback_http(web_app) -> None:  # type: ignore[no-untyped-def]
    https = TestClient(web_app, base_url="https://openrvu.example")
    response = sign_up(https, "flags@example.org")
    cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith("openrvu_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    plain = TestClient(web_app, base_url="http://127.0.0.1:8000")
    page = plain.get("/signin")
    csrf_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in csrf_cookie and "Secure" not in csrf_cookie


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    sign_up(client, "redirect@example.org")
    client.post("/signout", data={"csrf_token": csrf(client)})
    response = client.post(
        "/signin",
        data={
            "email": "redirect@example.org",
            "password": WEB_PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/log"


def test_api_token_works_without_csrf_and_cannot_ride_on_a_cookie(client: TestClient) -> None:
    sign_up(client, "script@example.org")
    page = client.post("/profile/tokens", data={"csrf_token": csrf(client), "token_name": "script"})
    token = page.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("orvu_")
    bot = TestClient(client.app, base_url="https://testserver")
    auth = {"authorization": f"Bearer {token}"}
    created = bot.post(
        "/api/log", json={"date_of_service": date.today().isoformat(), "hcpcs": "99214"}, headers=auth
    )
    assert created.status_code == 201
    # a bad token with a valid session cookie is still refused (the header alone decides)
    assert client.get("/api/log", headers={"authorization": "Bearer orvu_wrong"}).status_code == 401
    assert bot.get("/api/log").status_code == 401
