"""``openrvu fetch`` against a real local HTTP server serving zips built from the real CMS files."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fetch_server import Served, serve, zip_of
from openrvu.cli import app
from openrvu.cms.catalog import PFS, load_catalog
from openrvu.reference.db import ReferenceDB
from openrvu.search.index import index_path_for, is_current

runner = CliRunner()
RVU25D = "/files/zip/rvu25d.zip"


@pytest.fixture(scope="module")
def rvu25d_zip(cms_dir: Path) -> bytes:
    """The RVU25D files zipped under the official name's layout (flat, as CMS ships them)."""
    return zip_of(cms_dir / "pfs_rvu_2025")


@pytest.fixture()
def server() -> Iterator[Served]:
    with serve(Served()) as served:
        yield served


def _fetch(served: Served, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["fetch", *args, "--base-url", served.url("/files/zip/")])
    return result.exit_code, result.output


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_downloads_verifies_ingests_and_indexes(
    server: Served, rvu25d_zip: bytes, openrvu_home: Path
) -> None:
    server.files[RVU25D] = rvu25d_zip
    code, out = _fetch(server, "RVU25D")
    assert code == 0, out
    saved = openrvu_home / "downloads" / "rvu25d.zip"
    assert saved.read_bytes() == rvu25d_zip
    assert "RVU25D" in out and "PPRRVU" in out and "loaded" in out
    reference = openrvu_home / "reference.sqlite"
    with ReferenceDB(reference) as db:
        assert [r.name for r in db.releases()] == ["RVU25D"]
        assert db.rvu("RVU25D", "99213").work_rvu == Decimal("1.30")  # type: ignore[union-attr]
    assert is_current(reference, index_path_for(reference))
    # Fetching again reuses the download and changes nothing.
    code, out = _fetch(server, "rvu25d")
    assert code == 0, out
    assert "already downloaded" in out and "Nothing new" in out
    assert server.ranges(RVU25D) == [None]


def test_cut_transfer_resumes_from_the_part(server: Served, rvu25d_zip: bytes, openrvu_home: Path) -> None:
    server.files[RVU25D] = rvu25d_zip
    server.cut_once[RVU25D] = 200_000
    code, out = _fetch(server, "RVU25D", "--no-ingest")
    assert code == 0, out
    assert server.ranges(RVU25D) == [None, "bytes=200000-"]
    assert "resumed at 200,000" in out
    assert (openrvu_home / "downloads" / "rvu25d.zip").read_bytes() == rvu25d_zip
    assert not (openrvu_home / "reference.sqlite").exists()


def test_server_ignoring_range_restarts_cleanly(
    server: Served, rvu25d_zip: bytes, openrvu_home: Path
) -> None:
    server.files[RVU25D] = rvu25d_zip
    server.ignore_range = True
    downloads = openrvu_home / "downloads"
    downloads.mkdir(parents=True)
    (downloads / "rvu25d.zip.part").write_bytes(rvu25d_zip[:1000] + b"\x00" * 5000)  # a bad leftover
    code, out = _fetch(server, "RVU25D", "--no-ingest")
    assert code == 0, out
    assert server.ranges(RVU25D) == ["bytes=6000-"]
    assert (downloads / "rvu25d.zip").read_bytes() == rvu25d_zip
    assert not (downloads / "rvu25d.zip.part").exists()


def test_404_names_every_url_and_loads_nothing(server: Served, openrvu_home: Path) -> None:
    code, out = _fetch(server, "RVU26A")
    assert code == 2
    for name in ("rvu26a-updated-12-29-2025.zip", "rvu26a.zip"):
        assert server.url(f"/files/zip/{name}") in out.replace("\n", "")
    assert "HTTP 404" in out and "Nothing was loaded" in out
    assert not (openrvu_home / "reference.sqlite").exists()
    assert list((openrvu_home / "downloads").iterdir()) == []


def test_latest_asks_for_the_newest_release_in_the_catalog(server: Served, openrvu_home: Path) -> None:
    newest = load_catalog().latest(PFS)
    code, out = _fetch(server, "--latest")
    assert code == 2
    assert server.seen[0] == (f"/files/zip/{newest.files[0]}", None)
    assert f"{newest.key}: HTTP 404" in out


def test_later_candidate_name_is_used_when_the_first_is_missing(
    server: Served, cms_dir: Path, openrvu_home: Path
) -> None:
    server.files["/files/zip/rvu26c.zip"] = zip_of(cms_dir / "pfs_rvu_2026")
    code, out = _fetch(server, "RVU26C", "--no-ingest")
    assert code == 0, out
    assert [p for p, _ in server.seen] == [
        "/files/zip/rvu26c-updated-06-30-2026.zip",
        "/files/zip/rvu26c.zip",
    ]
    assert (openrvu_home / "downloads" / "rvu26c.zip").exists()
    server.seen.clear()
    code, out = _fetch(server, "RVU26C", "--no-ingest")
    assert code == 0 and "already downloaded" in out
    assert server.seen == []  # the finished download under the second name is re-checked, not fetched


def test_server_error_exits_1_and_names_the_status(
    server: Served, rvu25d_zip: bytes, openrvu_home: Path
) -> None:
    server.files[RVU25D] = rvu25d_zip
    server.errors[RVU25D] = 503
    code, out = _fetch(server, "RVU25D")
    assert code == 1
    assert f"{server.url(RVU25D)}: HTTP 503" in out.replace("\n", "")
    assert not (openrvu_home / "reference.sqlite").exists()


def test_zip_of_another_release_is_refused(server: Served, rvu25d_zip: bytes, openrvu_home: Path) -> None:
    server.files["/files/zip/rvu26a.zip"] = rvu25d_zip
    code, out = _fetch(server, "RVU26A")
    assert code == 2
    assert "rvu26a.zip holds the national RVU file of RVU25D, not RVU26A" in out.replace("\n", "")
    assert list((openrvu_home / "downloads").iterdir()) == []
    assert not (openrvu_home / "reference.sqlite").exists()


def test_corrupt_zip_is_removed_and_the_reference_db_is_unchanged(
    server: Served, rvu25d_zip: bytes, openrvu_home: Path, reference_path: Path
) -> None:
    openrvu_home.mkdir(parents=True)
    reference = openrvu_home / "reference.sqlite"
    shutil.copyfile(reference_path, reference)
    before = _sha(reference)
    damaged = bytearray(rvu25d_zip)
    middle = len(damaged) // 2
    damaged[middle : middle + 64] = bytes(64)  # inside a member's compressed data: the CRC check fails
    server.files[RVU25D] = bytes(damaged)
    code, out = _fetch(server, "RVU25D")
    assert code == 2
    assert "rvu25d.zip" in out and "damaged" in out and "Nothing was loaded" in out
    assert _sha(reference) == before
    assert not (openrvu_home / "downloads" / "rvu25d.zip").exists()


def test_bad_row_inside_a_good_zip_loads_nothing(
    server: Served, cms_dir: Path, openrvu_home: Path, reference_path: Path
) -> None:
    openrvu_home.mkdir(parents=True)
    reference = openrvu_home / "reference.sqlite"
    shutil.copyfile(reference_path, reference)
    before = _sha(reference)
    lines = (cms_dir / "pfs_rvu_2025" / "PPRRVU2025_Oct.csv").read_bytes().split(b"\n")
    row = next(i for i, line in enumerate(lines) if line.startswith(b"99213,"))
    cells = lines[row].split(b",")
    cells[5] = b"1.3O"  # the work RVU, with a letter O for a zero
    lines[row] = b",".join(cells)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PPRRVU2025_Oct.csv", b"\n".join(lines))
        archive.write(cms_dir / "pfs_rvu_2025" / "GPCI2025.csv", "GPCI2025.csv")
    server.files[RVU25D] = buffer.getvalue()
    code, out = _fetch(server, "RVU25D")
    assert code == 2
    assert f"line {row + 1}" in out and "1.3O" in out and "unchanged" in out
    assert _sha(reference) == before


def test_not_a_zip_and_wrong_contents_are_refused(server: Served, cms_dir: Path, openrvu_home: Path) -> None:
    server.files[RVU25D] = b"<html>Page moved</html>"
    code, out = _fetch(server, "RVU25D")
    assert code == 2 and "not a zip file" in out
    server.files["/files/zip/october-2025-alpha-numeric-hcpcs-file.zip"] = zip_of(
        cms_dir / "pfs_rvu_2025", "GPCI*.csv"
    )
    code, out = _fetch(server, "HCPCS-2025-10")
    assert code == 2
    assert "holds GPCI" in out and "but not HCPCS Level II" in out
    assert list((openrvu_home / "downloads").iterdir()) == []
    assert not (openrvu_home / "reference.sqlite").exists()


def test_zip_locality_file_with_slashes_in_its_official_name(
    server: Served, cms_dir: Path, openrvu_home: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "ZIP5_OCT2025.txt",
            gzip.decompress((cms_dir / "zip_locality_2025" / "ZIP5_OCT2025.txt.gz").read_bytes()),
        )
        archive.write(cms_dir / "zip_locality_2025" / "ZIP5lyout.txt", "ZIP5lyout.txt")
    server.files["/files/zip/zip-code-carrier-locality-file-revised-08/14/2025.zip"] = buffer.getvalue()
    code, out = _fetch(server, "ZIP5-2025", "--no-ingest")
    assert code == 0, out
    assert "ZIP5" in out
    assert (openrvu_home / "downloads" / "zip-code-carrier-locality-file-revised-08-14-2025.zip").exists()


def test_plain_url_and_bad_arguments(server: Served, rvu25d_zip: bytes, openrvu_home: Path) -> None:
    server.files["/mirror/rvu25d.zip"] = rvu25d_zip
    result = runner.invoke(
        app,
        ["fetch", "--url", server.url("/mirror/rvu25d.zip"), "--no-ingest", "-o", str(openrvu_home / "x")],
    )
    assert result.exit_code == 0, result.output
    assert (openrvu_home / "x" / "rvu25d.zip").read_bytes() == rvu25d_zip
    assert runner.invoke(app, ["fetch"]).exit_code == 2
    unknown = runner.invoke(app, ["fetch", "RVU25E"])
    assert unknown.exit_code == 2 and "did you mean RVU25D" in unknown.output
    listing = runner.invoke(app, ["fetch", "--list"])
    assert listing.exit_code == 0 and "rvu26a-updated-12-29-2025.zip" in listing.output
    assert server.seen == [("/mirror/rvu25d.zip", None)]
