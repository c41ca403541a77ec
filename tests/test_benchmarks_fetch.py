"""``fetch`` against a local HTTP server: progress, resume after a broken transfer, verification."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openrvu.benchmarks.fetch import FetchError, fetch
from openrvu.benchmarks.inputs import read_sidecar
from openrvu.benchmarks.schema import PROVIDER_SERVICE_COLUMNS, official_files, year_from_filename
from openrvu.cli import app

NAME = "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"


def _fixture_bytes() -> bytes:
    header = ",".join(PROVIDER_SERVICE_COLUMNS)
    row = ",".join(
        ["1000000005", "SMITH", "ANN", "", "M.D.", "I"]
        + [""] * 9
        + ["Cardiology", "Y", "99214"]
        + [
            "",
            "N",
            "O",
            "40",
            "120",
            "118",
            "300.5",
            "130.1",
            "101.9",
            "99.7",
        ]
    )
    return (header + "\n" + "\n".join([row] * 4000) + "\n").encode()


class _Server:
    """Serves files from a dict; honours Range; can cut the connection after N bytes on the next request."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                body = owner.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                asked = self.headers.get("Range")
                owner.ranges.append(asked)
                start = int(asked.removeprefix("bytes=").rstrip("-")) if asked else 0
                if start >= len(body) and asked:
                    self.send_response(416)
                    self.end_headers()
                    return
                self.send_response(206 if asked else 200)
                if asked:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                payload = body[start:]
                if owner.cut_after is not None:
                    payload, owner.cut_after = payload[: owner.cut_after], None
                    self.wfile.write(payload)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"


@pytest.fixture()
def server() -> Iterator[_Server]:
    srv = _Server()
    srv.files[NAME] = _fixture_bytes()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def test_download_verifies_and_writes_a_sidecar(server: _Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    body = server.files[NAME]
    got = fetch(
        server.url(NAME),
        tmp_path,
        year=2023,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert got.path.read_bytes() == body and got.resumed_from == 0
    assert seen[-1] == (len(body), len(body))
    side = read_sidecar(got.path)
    assert side["synthetic"] is False and side["year"] == 2023 and side["bytes"] == len(body)
    assert not (tmp_path / (NAME + ".part")).exists()


def test_an_interrupted_download_resumes_with_a_range_request(server: _Server, tmp_path: Path) -> None:
    body = server.files[NAME]
    server.cut_after = 100_000
    with pytest.raises(FetchError, match="run fetch again to resume"):
        fetch(server.url(NAME), tmp_path, year=2023)
    part = tmp_path / (NAME + ".part")
    assert part.stat().st_size == 100_000 and not (tmp_path / NAME).exists()
    got = fetch(server.url(NAME), tmp_path, year=2023, sha256=hashlib.sha256(body).hexdigest())
    assert server.ranges == [None, "bytes=100000-"]
    assert got.resumed_from == 100_000 and got.path.read_bytes() == body


def test_a_wrong_hash_or_a_page_instead_of_the_csv_is_rejected(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="does not match"):
        fetch(server.url(NAME), tmp_path, year=2023, sha256="0" * 64)
    assert not (tmp_path / NAME).exists() and not (tmp_path / (NAME + ".part")).exists()
    server.files["MUP_PHY_R25_P05_V20_D23_Geo.csv"] = b"<html><body>Please sign in</body></html>\n"
    with pytest.raises(FetchError, match="not the CMS prov_svc header"):
        fetch(server.url("MUP_PHY_R25_P05_V20_D23_Geo.csv"), tmp_path, year=2023)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(server.url("missing_D23_Prov_Svc.csv"), tmp_path, year=2023)
    with pytest.raises(FetchError, match="data year 2023 file, not 2022"):
        fetch(server.url(NAME), tmp_path, year=2022)


def test_cli_fetch_prints_where_it_saved(server: _Server, tmp_path: Path, openrvu_home: Path) -> None:
    result = CliRunner().invoke(
        app, ["benchmarks", "fetch", "--year", "2023", "--url", server.url(NAME), "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "saved" in result.output and (tmp_path / NAME).exists()
    bad = CliRunner().invoke(app, ["benchmarks", "fetch", "--year", "2023", "--url", server.url("nope.csv")])
    assert bad.exit_code == 2


def test_known_official_files_name_their_own_year() -> None:
    files = official_files(2023)
    assert {f.kind for f in files} == {"prov_svc", "geo"}
    for year in range(2013, 2025):
        for f in official_files(year):
            assert f.url.startswith("https://data.cms.gov/") and year_from_filename(f.filename) == year
