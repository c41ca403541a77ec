"""``openrvu serve``: the real command serves the app over OPENRVU_HOME and migrates the app database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, inspect

from fixtures_web import free_port


def test_serve_runs_migrations_and_answers_on_loopback(web_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("reference.sqlite", "search.sqlite"):
        shutil.copyfile(web_home / name, home / name)
    port = free_port()
    env = dict(os.environ, OPENRVU_HOME=str(home))
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "openrvu", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/codes/99213", headers={"accept": "text/html"})
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "openrvu serve did not answer"
                time.sleep(0.3)
        assert page.status_code == 200 and "99213" in page.text
        # plain http on loopback: the CSRF cookie must come back from a browser, so no Secure flag
        assert "Secure" not in page.headers["set-cookie"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = create_engine(f"sqlite:///{home / 'openrvu.sqlite'}")
    assert {"users", "log_entries", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_serve_without_a_reference_database_exits_2(tmp_path: Path) -> None:
    env = dict(os.environ, OPENRVU_HOME=str(tmp_path / "empty"))
    done = subprocess.run(
        [sys.executable, "-m", "openrvu", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "openrvu ingest" in done.stderr
