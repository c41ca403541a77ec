"""Web app throughput and latency with 32 concurrent clients on loopback.

Starts ``openrvu serve`` in its own process over a fresh ``OPENRVU_HOME`` (reference database built
from the CMS files, application database with one user holding SYNTHETIC log lines: random real codes
on random dates, labelled ``source="synthetic"``), then drives it with an asyncio client:

- baseline: a static file (``/static/app.css``) served by the same server in the same run;
- a code page (``/codes/...``, several real codes), a search (``/api/search``), the dashboard.

Reports requests/s, client p50/p95 latency and server time p50/p95 (from the ``Server-Timing`` header,
the time inside the app, without queueing in the client or the socket), and each against the baseline.
Targets: code page p95 < 10 ms and search p95 < 20 ms server time.
``OPENRVU_BENCH_QUICK=1``: fewer lines and requests.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from openrvu.settings import load_settings

QUICK = os.environ.get("OPENRVU_BENCH_QUICK") == "1"
CLIENTS = 32
LINES = 2_000 if QUICK else 100_000
REQUESTS = 300 if QUICK else 3_000
DASHBOARD_REQUESTS = 64 if QUICK else 320
CODES = ["99213", "99214", "G0320", "27447", "70557", "20610", "93000", "99396", "36415", "71046"]
QUERIES = [
    "knee shot",
    "9921",
    "heart tracing",
    "office visit",
    "colonoscopy",
    "G0320",
    "mri brain",
    "flu vaccine",
]
PASSWORD = "synthetic bench password"
# Codes of the synthetic log: office visits and tests that no encounter rule reduces.
LOGGED = ["99212", "99213", "99214", "99215", "99203", "99204", "93000", "36415"]
_TIMING = re.compile(r"app;dur=([0-9.]+)")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build_home(home: Path, cms_dir: Path) -> None:
    """Reference DB (one release in quick mode) and the search index, as ``openrvu ingest`` makes them."""
    from openrvu.reference.build import ingest
    from openrvu.search import ensure_index

    settings = load_settings({"OPENRVU_HOME": str(home), "OPENRVU_CMS_DIR": str(cms_dir)})
    sources = [cms_dir / "pfs_rvu_2026"] if QUICK else [cms_dir]
    started = time.perf_counter()
    ingest(settings.reference_db, sources)
    ensure_index(settings.reference_db)
    print(f"reference database and search index built in {time.perf_counter() - started:.1f} s")


def seed_synthetic_user(home: Path, email: str) -> None:
    """One user with LINES SYNTHETIC lines (random dates of 2026, common codes), bulk inserted.

    Each distinct code is priced once by the tracker's catalog (the lines are single-code days in
    effect: E/M and tests that no encounter rule reduces), then the rows go in with one executemany.
    """
    from sqlalchemy import insert

    from openrvu.reference.db import ReferenceDB
    from openrvu.tracker import accounts
    from openrvu.tracker.catalog import Catalog, LineSpec
    from openrvu.tracker.db import make_engine, migrate, session_factory
    from openrvu.tracker.models import WRVU_SCALE, LogEntry

    settings = load_settings({"OPENRVU_HOME": str(home)})
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    rng = random.Random(20261127)
    started = time.perf_counter()
    with session_factory(engine)() as session:
        user = accounts.sign_up(session, email, PASSWORD)
        catalog = Catalog(ReferenceDB(settings.reference_db))
        prices = {c: catalog.check_line(LineSpec(date(2026, 7, 1), c, (), 1, "11"), user) for c in LOGGED}
        rows = []
        for _ in range(LINES):
            code = rng.choice(LOGGED)
            price = prices[code]
            rows.append(
                {
                    "user_id": user.id,
                    "date_of_service": date(2026, 1, 2) + timedelta(days=rng.randrange(300)),
                    "hcpcs": code,
                    "modifiers": "",
                    "units": 1,
                    "pos": "11",
                    "source": "synthetic",
                    "release": price.release,
                    "wrvu_e4": None if price.wrvu is None else int(price.wrvu * WRVU_SCALE),
                    "allowed_cents": None if price.allowed is None else int(price.allowed * 100),
                    "pricing_note": "synthetic benchmark line",
                }
            )
        session.execute(insert(LogEntry), rows)
        session.commit()
    engine.dispose()
    print(f"{LINES:,} SYNTHETIC log lines inserted in {time.perf_counter() - started:.1f} s")


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, float | None]:
    """One GET on a keep-alive connection: the status and the server time of ``Server-Timing``."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    await reader.readexactly(int(headers["content-length"]))
    match = _TIMING.search(headers.get("server-timing", ""))
    return status, float(match.group(1)) if match else None


async def _drive(port: int, paths: list[str], total: int, cookie: str = "") -> dict[str, float]:
    """CLIENTS keep-alive connections sending ``total`` GETs in all; a tiny client, so the machine's
    two cores go to the server rather than to an HTTP library. ``cookie``: a signed-in visitor."""
    cookie = f"Cookie: {cookie}\r\n" if cookie else ""
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n{cookie}\r\n".encode()
        for path in paths
    ]
    latencies: list[float] = []
    server: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in counter:
                started = time.perf_counter()
                status, server_ms = await _get(reader, writer, requests[i % len(requests)])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += status != 200
                if server_ms is not None:
                    server.append(server_ms)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    return {
        "rps": total / elapsed,
        "p50": statistics.median(latencies),
        "p95": _percentile(latencies, 0.95),
        "server_p50": statistics.median(server) if server else float("nan"),
        "server_p95": _percentile(server, 0.95) if server else float("nan"),
        "errors": errors,
    }


def sign_in(base_url: str, email: str) -> str:
    """The Cookie header of a signed-in session (for the dashboard)."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        client.get("/signin")
        token = client.cookies.get("openrvu_csrf") or ""
        response = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token})
        if response.status_code not in (200, 303):
            raise RuntimeError(f"sign-in failed: {response.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def measure(port: int, cookie: str) -> dict[str, dict[str, float]]:
    """Warm up, then time each endpoint with CLIENTS concurrent clients (anonymous visitors on the
    public pages, a signed-in user on the dashboard)."""
    code_paths = [f"/codes/{c}" for c in CODES]
    search_paths = [f"/api/search?q={q.replace(' ', '+')}" for q in QUERIES]
    await _drive(port, ["/static/app.css", *code_paths, *search_paths], 2 * CLIENTS)
    await _drive(port, ["/dashboard"], CLIENTS, cookie)
    return {
        "static file (baseline)": await _drive(port, ["/static/app.css"], REQUESTS),
        "code page": await _drive(port, code_paths, REQUESTS),
        "search": await _drive(port, search_paths, REQUESTS),
        f"dashboard ({LINES:,} synthetic lines)": await _drive(
            port, ["/dashboard"], DASHBOARD_REQUESTS, cookie
        ),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    """Build the data, start the server in its own process, measure, print figures and ratios."""
    cms_dir = load_settings().cms_dir
    with tempfile.TemporaryDirectory(prefix="openrvu-bench-web-") as tmp:
        home = Path(tmp)
        email = "synthetic-bench@example.org"
        build_home(home, cms_dir)
        seed_synthetic_user(home, email)
        port = _free_port()
        env = dict(os.environ, OPENRVU_HOME=str(home), OPENRVU_CMS_DIR=str(cms_dir))
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "openrvu", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base_url}/static/app.css", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("openrvu serve did not start") from None
                    time.sleep(0.2)
            results = asyncio.run(measure(port, sign_in(base_url, email)))
        finally:
            server.terminate()
            server.wait(timeout=20)
    baseline = results["static file (baseline)"]
    print(f"{CLIENTS} concurrent keep-alive clients on loopback, one uvicorn process (uvloop, httptools); ms")
    print("server time = Server-Timing of the app: from the request's arrival in the app to its response")
    print(
        f"{'endpoint':38} {'req/s':>8} {'p50':>7} {'p95':>7} {'srv p50':>8} {'srv p95':>8}"
        f" {'vs static req/s':>16}"
    )
    for name, r in results.items():
        print(
            f"{name:38} {r['rps']:8.0f} {r['p50']:7.2f} {r['p95']:7.2f} {r['server_p50']:8.2f} "
            f"{r['server_p95']:8.2f} {r['rps'] / baseline['rps']:15.2f}x"
            + (f"  ({int(r['errors'])} non-200)" if r["errors"] else "")
        )
    code_ok = results["code page"]["server_p95"] < 10
    search_ok = results["search"]["server_p95"] < 20
    print(f"target code page server p95 < 10 ms: {'met' if code_ok else 'NOT met'}")
    print(f"target search server p95 < 20 ms: {'met' if search_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
