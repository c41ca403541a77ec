"""``openrvu benchmarks fetch``: download the official CMS files with progress, resume and verification.

Downloads go to ``<name>.part``; an interrupted download resumes from the bytes already there with an HTTP
``Range`` request (a server that ignores it and answers 200 restarts the file from zero). When the transfer
is complete the file is verified: its length against the server's, its sha256 when one is known, and its
CSV header against the CMS columns of its kind. Only then is it renamed to its final name, with a sidecar
``<name>.openrvu.json`` recording URL, year, size and hash.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.inputs import read_header, write_sidecar
from openrvu.benchmarks.schema import kind_of_header, required_columns, year_from_filename

_BLOCK = 1 << 20
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


class FetchError(RuntimeError):
    """A download failed or did not verify; the partial file is kept for a resume unless it is corrupt."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    bytes: int
    sha256: str
    resumed_from: int
    url: str


def fetch(
    url: str,
    out_dir: Path,
    *,
    year: int,
    kind: str = "prov_svc",
    sha256: str | None = None,
    size: int | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> Fetched:
    """Download ``url`` into ``out_dir`` (resuming a ``.part`` file), verify it, and write its sidecar."""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0] or "download.csv"
    named_year = year_from_filename(name)
    if named_year is not None and named_year != year:
        raise FetchError(f"{name} is the data year {named_year} file, not {year}")
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    part = out_dir / (name + ".part")
    start = part.stat().st_size if part.exists() else 0
    total = _download(url, part, start, progress, timeout)
    got = part.stat().st_size
    if total is not None and got != total:
        raise FetchError(f"{name}: got {got} bytes of {total}; run fetch again to resume")
    if size is not None and got != size:
        part.unlink()
        raise FetchError(f"{name}: {got} bytes, expected {size}; the partial file was removed")
    digest = _sha256(part)
    if sha256 is not None and digest != sha256.lower():
        part.unlink()
        raise FetchError(
            f"{name}: sha256 {digest} does not match the expected {sha256}; the file was removed"
        )
    try:
        header = read_header(part)
    except (BenchmarkInputError, UnicodeDecodeError) as exc:
        part.unlink()
        raise FetchError(f"{name}: not a CSV file ({exc}); the file was removed") from exc
    found = kind_of_header(header)
    missing = [c for c in required_columns(kind) if c not in header]
    if found != kind or missing:
        part.unlink()
        raise FetchError(
            f"{name}: the header is not the CMS {kind} header (missing {', '.join(missing) or '-'}); "
            "the file was removed"
        )
    part.replace(final)
    write_sidecar(
        final,
        {
            "synthetic": False,
            "kind": kind,
            "year": year,
            "url": url,
            "bytes": got,
            "sha256": digest,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return Fetched(final, got, digest, start, url)


def _download(url: str, part: Path, start: int, progress: Progress | None, timeout: float) -> int | None:
    """Append the rest of ``url`` to ``part``; returns the full length when the server says it."""
    request = urllib.request.Request(url, headers={"User-Agent": "openrvu"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https URL given by the user)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:
            return start  # the .part already holds the whole file
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {exc}") from exc
    with response:
        total: int | None
        if response.status == 206:
            match = _RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != start:
                raise FetchError(f"{url}: the server answered a different range than asked for")
            total = int(match.group(3)) if match.group(3) != "*" else None
            mode = "ab"
        else:
            start = 0  # the server sent the whole file: start over
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None else None
            mode = "wb"
        done = start
        with part.open(mode) as sink:
            try:
                while block := response.read(_BLOCK):
                    sink.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(
                    f"{url}: interrupted after {done} bytes ({exc}); run fetch again to resume"
                ) from exc
    return total


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
