"""Fixtures of the web app: the real reference database, a fresh application database per test, an
in-process client (https, so the Secure cookies travel as in production), and a live uvicorn server
on a free loopback port for the browser tests.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openrvu.settings import Settings
from openrvu.tracker.db import migrate
from openrvu.web import create_app

WEB_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def web_home(reference_path: Path, search_index_path: Path) -> Path:
    """The folder of the session's reference database and of the search index built beside it."""
    assert search_index_path.parent == reference_path.parent
    return reference_path.parent


@pytest.fixture(scope="session")
def migrated_app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An application database migrated once; tests copy it (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("appdb") / "template.sqlite"
    migrate(f"sqlite:///{path}")
    return path


def make_settings(home: Path, cms_dir: Path, db_path: Path) -> Settings:
    """Settings over the shared reference folder and one application database file."""
    return Settings(home=home, cms_dir=cms_dir, database_url=f"sqlite:///{db_path}")


@pytest.fixture()
def web_settings(web_home: Path, cms_dir: Path, migrated_app_db: Path, tmp_path: Path) -> Settings:
    """Settings for one test: the shared reference data and a fresh application database."""
    db_path = tmp_path / "app.sqlite"
    shutil.copyfile(migrated_app_db, db_path)
    return make_settings(web_home, cms_dir, db_path)


@pytest.fixture()
def web_app(web_settings: Settings) -> FastAPI:
    """The app as ``openrvu serve`` builds it."""
    return create_app(web_settings)


@pytest.fixture()
def client(web_app: FastAPI) -> Iterator[TestClient]:
    """An in-process client on https://testserver (Secure cookies are sent back, as in a browser)."""
    with TestClient(web_app, base_url="https://testserver") as test_client:
        yield test_client


def csrf(client: TestClient | httpx.Client) -> str:
    """The CSRF token of the client's cookie (fetching a page first when there is none yet)."""
    token = client.cookies.get("openrvu_csrf")
    if not token:
        client.get("/signin")
        token = client.cookies.get("openrvu_csrf")
    assert token, "the app set no CSRF cookie"
    return token


def sign_up(client: TestClient | httpx.Client, email: str, password: str = WEB_PASSWORD) -> httpx.Response:
    """Create an account through the sign-up form; the client is then signed in."""
    response = client.post(
        "/signup",
        data={"email": email, "password": password, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return response


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_signup(database_url: str) -> None:
    """Create the admin account (the first one) and open sign-up, so each test can sign up its own user."""
    from openrvu.tracker import accounts
    from openrvu.tracker.db import make_engine, session_factory

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        admin = accounts.sign_up(session, "admin@example.org", WEB_PASSWORD)
        accounts.set_signup_mode(session, admin, "open")
    engine.dispose()


class LiveServer:
    """uvicorn serving an app in a background thread on 127.0.0.1."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(
    web_home: Path, cms_dir: Path, migrated_app_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real server for the browser tests (one per session; each test signs up its own user)."""
    db_path = tmp_path_factory.mktemp("live") / "app.sqlite"
    shutil.copyfile(migrated_app_db, db_path)
    open_signup(f"sqlite:///{db_path}")
    with LiveServer(create_app(make_settings(web_home, cms_dir, db_path))) as server:
        yield server


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium (``OPENRVU_CHROMIUM``, default /usr/bin/chromium) driven by Playwright, headless."""
    import os

    from playwright.sync_api import sync_playwright

    executable = os.environ.get("OPENRVU_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root, for screenshots a person can look at."""
    path = Path(__file__).resolve().parents[1] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
