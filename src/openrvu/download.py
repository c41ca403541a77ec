"""Resumable HTTP(S) downloads: ``download(url, dest_dir)``.

The bytes go to ``<name>.part`` beside the final file. A transfer cut short keeps its ``.part`` and resumes
from it with an HTTP ``Range`` request, both on the automatic retries of one call and on a later call; a
server that ignores ``Range`` and answers 200 restarts the file from zero. When the transfer is complete
the file is checked (its length against the server's and the caller's, its sha256 when one is given) and
only then renamed to its final name, atomically, so a file under its final name is always whole.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None when unknown)


class DownloadError(RuntimeError):
    """A download failed or did not verify. The message names the URL, and the HTTP status or bytes."""

    def __init__(self, message: str, *, url: str, status: int | None = None, received: int = 0) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.received = received


class _Interrupted(Exception):
    """The body stopped short: the ``.part`` holds what came, a retry resumes from it."""

    def __init__(self, done: int, reason: str) -> None:
        super().__init__(reason)
        self.done = done
        self.reason = reason


@dataclass(frozen=True)
class Downloaded:
    """A complete, verified download."""

    path: Path
    bytes: int
    sha256: str
    resumed_from: int  # where the successful request started: 0 for a fresh download
    url: str


def file_name(url: str) -> str:
    """The local file name for ``url``: its last path segment, unquoted, reduced to safe characters."""
    path = urllib.parse.urlsplit(url).path
    name = _UNSAFE_NAME.sub("-", urllib.parse.unquote(path.rsplit("/", 1)[-1])).strip(".-")
    return name or "download"


def download(
    url: str,
    dest_dir: Path,
    *,
    name: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
    retries: int = 3,
) -> Downloaded:
    """Download ``url`` into ``dest_dir`` (resuming ``<name>.part``), verify it and rename it into place.

    ``sha256`` and ``size``, when given, must match, or the ``.part`` is removed. ``retries`` is how many
    times a transfer cut short is resumed within this call; after that the ``.part`` is kept for a later
    call. Raises :class:`DownloadError` with the URL and the HTTP status or the bytes received.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise DownloadError(f"{url}: not a valid URL ({exc})", url=url) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"{url}: not an http(s) URL", url=url)
    name = name or file_name(url)
    if "/" in name or name in ("", ".", ".."):
        raise DownloadError(f"{url}: {name!r} is not a file name", url=url)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / name
    part = dest_dir / (name + ".part")
    attempt = 0
    while True:
        start = part.stat().st_size if part.exists() else 0
        try:
            begun, total = _transfer(url, part, start, progress, timeout)
            break
        except _Interrupted as cut:
            attempt += 1
            if attempt > retries:
                raise DownloadError(
                    f"{url}: the transfer stopped after {cut.done:,} bytes ({cut.reason}); "
                    f"the partial file {part} is kept: run again to resume",
                    url=url,
                    received=cut.done,
                ) from None
    got = part.stat().st_size
    if total is not None and got != total:
        part.unlink()
        raise DownloadError(
            f"{url}: received {got:,} bytes but the server announced {total:,}; the partial file was removed",
            url=url,
            received=got,
        )
    if size is not None and got != size:
        part.unlink()
        raise DownloadError(
            f"{url}: {got:,} bytes, expected {size:,}; the file was removed", url=url, received=got
        )
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256.lower():
        part.unlink()
        raise DownloadError(
            f"{url}: sha256 {digest} does not match the expected {sha256.lower()}; the file was removed",
            url=url,
            received=got,
        )
    os.replace(part, final)
    return Downloaded(final, got, digest, begun, url)


def _transfer(
    url: str, part: Path, start: int, progress: Progress | None, timeout: float
) -> tuple[int, int | None]:
    """Write the rest of ``url`` to ``part``; return (the offset it started from, the full length)."""
    request = urllib.request.Request(url, headers={"User-Agent": "openrvu", "Accept-Encoding": "identity"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (scheme checked above)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and start:
            return _already_whole(url, part, start, exc.headers.get("Content-Range", ""))
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}", url=url, status=exc.code) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DownloadError(f"{url}: cannot download ({reason})", url=url) from None
    with response:
        if response.status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
            if not match or int(match.group(1)) != start:
                raise DownloadError(
                    f"{url}: asked for bytes {start}- but the server answered "
                    f"{response.headers.get('Content-Range')!r}",
                    url=url,
                    status=206,
                    received=start,
                )
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:
            start = 0  # the server ignored Range (or there was nothing to resume): the whole file comes
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        done = start
        if progress:
            progress(done, total)
        with part.open(mode) as sink:
            try:
                while block := response.read(_BLOCK):
                    sink.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            except (OSError, http.client.HTTPException) as exc:
                raise _Interrupted(done, str(exc) or type(exc).__name__) from None
    if total is not None and done < total:
        raise _Interrupted(done, f"{total - done:,} bytes missing")
    return start, total


def _already_whole(url: str, part: Path, start: int, content_range: str) -> tuple[int, int | None]:
    """A 416 on resume: fine when the ``.part`` already holds the whole file, else start over cleanly."""
    match = re.fullmatch(r"bytes \*/(\d+)", content_range.strip())
    if match and int(match.group(1)) == start:
        return start, start
    part.unlink()
    raise _Interrupted(0, f"the server refused to resume at byte {start:,}; starting over")


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
