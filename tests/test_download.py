"""openrvu.download against a real local HTTP server: resume, restart, verification and clear errors."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fetch_server import Served, serve
from openrvu.download import DownloadError, download, file_name

BODY = os.urandom(2_500_000)  # more than two read blocks, so a cut lands mid-transfer
SHA = hashlib.sha256(BODY).hexdigest()
PATH = "/files/zip/rvu25d.zip"


@pytest.fixture()
def server() -> Iterator[Served]:
    with serve(Served(files={PATH: BODY})) as served:
        yield served


def test_full_download(server: Served, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    got = download(
        server.url(PATH), tmp_path, sha256=SHA, size=len(BODY), progress=lambda d, t: seen.append((d, t))
    )
    assert got.path == tmp_path / "rvu25d.zip"
    assert got.path.read_bytes() == BODY
    assert (got.bytes, got.sha256, got.resumed_from, got.url) == (len(BODY), SHA, 0, server.url(PATH))
    assert not (tmp_path / "rvu25d.zip.part").exists()
    assert seen[0] == (0, len(BODY)) and seen[-1] == (len(BODY), len(BODY))
    assert server.ranges(PATH) == [None]


def test_cut_transfer_resumes_with_range(server: Served, tmp_path: Path) -> None:
    server.cut_once[PATH] = 1_000_000
    got = download(server.url(PATH), tmp_path, sha256=SHA)
    assert got.path.read_bytes() == BODY
    assert got.resumed_from == 1_000_000
    assert server.ranges(PATH) == [None, "bytes=1000000-"]


def test_cut_without_retries_keeps_part_for_the_next_run(server: Served, tmp_path: Path) -> None:
    server.cut_once[PATH] = 700_000
    with pytest.raises(DownloadError) as caught:
        download(server.url(PATH), tmp_path, retries=0)
    message = str(caught.value)
    assert server.url(PATH) in message and "700,000 bytes" in message and "resume" in message
    assert caught.value.received == 700_000
    assert (tmp_path / "rvu25d.zip.part").stat().st_size == 700_000
    assert not (tmp_path / "rvu25d.zip").exists()
    got = download(server.url(PATH), tmp_path, sha256=SHA)
    assert got.path.read_bytes() == BODY and got.resumed_from == 700_000
    assert server.ranges(PATH)[-1] == "bytes=700000-"


def test_server_ignoring_range_restarts_from_zero(server: Served, tmp_path: Path) -> None:
    server.ignore_range = True
    (tmp_path / "rvu25d.zip.part").write_bytes(b"stale bytes from some earlier attempt")
    got = download(server.url(PATH), tmp_path, sha256=SHA)
    assert got.path.read_bytes() == BODY
    assert got.resumed_from == 0
    assert server.ranges(PATH) == ["bytes=37-"]


def test_complete_part_is_accepted_on_416(server: Served, tmp_path: Path) -> None:
    (tmp_path / "rvu25d.zip.part").write_bytes(BODY)
    got = download(server.url(PATH), tmp_path, sha256=SHA)
    assert got.path.read_bytes() == BODY and got.resumed_from == len(BODY)


def test_part_longer_than_the_file_starts_over(server: Served, tmp_path: Path) -> None:
    (tmp_path / "rvu25d.zip.part").write_bytes(BODY + b"junk")
    got = download(server.url(PATH), tmp_path, sha256=SHA)
    assert got.path.read_bytes() == BODY and got.resumed_from == 0


def test_404_names_url_and_status(server: Served, tmp_path: Path) -> None:
    url = server.url("/files/zip/rvu99z.zip")
    with pytest.raises(DownloadError) as caught:
        download(url, tmp_path)
    assert caught.value.status == 404
    assert url in str(caught.value) and "HTTP 404" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_wrong_sha256_removes_the_part(server: Served, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="sha256 .* does not match") as caught:
        download(server.url(PATH), tmp_path, sha256="0" * 64)
    assert caught.value.received == len(BODY)
    assert list(tmp_path.iterdir()) == []


def test_wrong_size_removes_the_part(server: Served, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=f"{len(BODY):,} bytes, expected 12"):
        download(server.url(PATH), tmp_path, size=12)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server_and_bad_scheme(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on: bind, then close before connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rvu25d.zip"
    with pytest.raises(DownloadError, match="cannot download") as caught:
        download(url, tmp_path, timeout=5)
    assert caught.value.status is None and url in str(caught.value)
    with pytest.raises(DownloadError, match="not an http"):
        download("file:///etc/passwd", tmp_path)


def test_file_name_from_url() -> None:
    assert file_name("https://www.cms.gov/files/zip/rvu26a-updated-12-29-2025.zip?x=1") == (
        "rvu26a-updated-12-29-2025.zip"
    )
    assert file_name("https://example.org/a%20b/../") == "download"
    assert file_name("https://example.org/dir/..%2F..%2Fetc") == "etc"  # never a path out of dest_dir


@given(st.text(max_size=200))
def test_file_name_is_always_a_plain_name(tail: str) -> None:
    name = file_name("https://www.cms.gov/files/zip/" + tail)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert not name.startswith((".", "-"))


# Texts that could name an http(s) URL are left out so the test never goes to the network.
@given(st.text(max_size=300).filter(lambda t: "http" not in t.lower()))
def test_any_other_text_is_refused_before_anything_is_written(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with pytest.raises(DownloadError):
            download(text, Path(tmp) / "out")
        assert not (Path(tmp) / "out").exists()


def test_malformed_http_urls_are_refused() -> None:
    for url in ("http://[::1", "http://", "https:///rvu25d.zip"):
        with pytest.raises(DownloadError, match="not a valid URL|not an http"):
            download(url, Path("/nonexistent"))
