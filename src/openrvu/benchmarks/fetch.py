"""``openrvu benchmarks fetch``: download the official CMS files with progress, resume and verification.

The transfer itself is the shared :func:`openrvu.download.download`: bytes go to ``<name>.part``, an
interrupted download resumes from it with an HTTP ``Range`` request, and the file is checked against the
server's length and the expected size and sha256 before it takes its final name. On top of that this module
checks the year in the file name and the CSV header against the CMS columns of its kind (a file that fails
is removed), and writes the sidecar ``<name>.openrvu.json`` recording URL, year, size and hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.inputs import read_header, write_sidecar
from openrvu.benchmarks.schema import kind_of_header, required_columns, year_from_filename
from openrvu.download import DownloadError, Progress, download


class FetchError(RuntimeError):
    """A download failed or did not verify; the partial file is kept for a resume unless it is corrupt.

    ``url``, ``status`` (HTTP status, when there was one) and ``received`` (bytes) are those of the
    underlying :class:`~openrvu.download.DownloadError`; they are the URL, ``None`` and 0 for a file that
    downloaded but did not verify here.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, received: int = 0) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.received = received


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
        raise FetchError(f"{name} is the data year {named_year} file, not {year}", url=url)
    try:
        # retries=0: a cut transfer stops here with its .part kept, and the user resumes it with fetch.
        got = download(
            url, out_dir, name=name, sha256=sha256, size=size, progress=progress, timeout=timeout, retries=0
        )
    except DownloadError as exc:
        raise _fetch_error(exc, out_dir / (name + ".part")) from None
    _check_header(got.path, kind, url)
    write_sidecar(
        got.path,
        {
            "synthetic": False,
            "kind": kind,
            "year": year,
            "url": url,
            "bytes": got.bytes,
            "sha256": got.sha256,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return Fetched(got.path, got.bytes, got.sha256, got.resumed_from, url)


def _fetch_error(exc: DownloadError, part: Path) -> FetchError:
    """The download's error as a FetchError; when its ``.part`` was kept, say that fetch resumes it."""
    message = str(exc)
    if part.exists():
        message = message.removesuffix(": run again to resume") + "; run fetch again to resume"
    return FetchError(message, url=exc.url, status=exc.status, received=exc.received)


def _check_header(path: Path, kind: str, url: str) -> None:
    """Remove ``path`` and raise unless its first line is the CMS header of ``kind``."""
    try:
        header = read_header(path)
    except (BenchmarkInputError, UnicodeDecodeError) as exc:
        path.unlink()
        raise FetchError(f"{path.name}: not a CSV file ({exc}); the file was removed", url=url) from exc
    found = kind_of_header(header)
    missing = [c for c in required_columns(kind) if c not in header]
    if found != kind or missing:
        path.unlink()
        raise FetchError(
            f"{path.name}: the header is not the CMS {kind} header (missing {', '.join(missing) or '-'}); "
            "the file was removed",
            url=url,
        )
