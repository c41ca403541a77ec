"""Download official CMS bundles and check they hold the CMS files they should, before anything loads them.

:func:`fetch_source` tries a catalog source's candidate URLs in order (a 404 moves on to the next name),
downloads with :func:`openrvu.download.download` (resumable, length and hash checked) and then opens the
zip with :func:`openrvu.cms.discover.discover`, which reads every member (so a damaged zip fails its CRC
here) and classifies them by content. A bundle that is not a zip, is damaged, or lacks a kind it must hold
is removed and reported; the caller ingests only bundles that passed.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from openrvu.cms._table import decode_text
from openrvu.cms.catalog import PFS, Source, join_url, local_name
from openrvu.cms.discover import KIND_LABELS, PPRRVU, CmsInput, discover
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.release import identify_release
from openrvu.download import DownloadError, Progress, download, file_name, sha256_of


class FetchError(RuntimeError):
    """A downloaded file is not the CMS bundle it should be (it has been removed)."""


@dataclass(frozen=True)
class FetchedBundle:
    """A downloaded (or already present) bundle that passed its checks."""

    key: str  # catalog key, or the file name for a plain URL
    path: Path
    url: str
    bytes: int
    sha256: str
    resumed_from: int
    reused: bool  # True when the file was already downloaded and only re-checked
    kinds: Counter[str] = field(default_factory=Counter)  # CMS files found inside, by kind


def fetch_source(
    source: Source,
    dest_dir: Path,
    *,
    base_url: str,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> FetchedBundle:
    """Download ``source`` into ``dest_dir`` from ``base_url`` (its first candidate name that exists).

    Raises :class:`DownloadError` (every URL tried, with the HTTP status) or :class:`FetchError`.
    """
    release = source.key if source.group == PFS else None
    candidates = list(zip(source.files, source.urls(base_url), strict=True))
    for name, url in candidates:  # a finished download of any candidate name is re-checked, not fetched
        local = Path(dest_dir) / local_name(name)
        if local.is_file():
            return _checked(source.key, local, url, source.kinds, release, reused=True)
    tried: list[str] = []
    for name, url in candidates:
        try:
            got = download(url, dest_dir, name=local_name(name), progress=progress, timeout=timeout)
        except DownloadError as exc:
            if exc.status == 404:
                tried.append(url)
                continue
            raise
        return _checked(source.key, got.path, url, source.kinds, release, resumed_from=got.resumed_from)
    raise DownloadError(
        f"{source.key}: HTTP 404 Not Found at every name tried: {', '.join(tried)} "
        f"(CMS may have renamed the file: see {source.page or join_url(base_url, '')})",
        url=tried[-1],
        status=404,
    )


def fetch_url(
    url: str, dest_dir: Path, *, progress: Progress | None = None, timeout: float = 60.0
) -> FetchedBundle:
    """Download any URL of a CMS file or zip; it must hold at least one CMS file openrvu reads."""
    got = download(url, dest_dir, progress=progress, timeout=timeout)
    return _checked(file_name(url), got.path, url, frozenset(), None, resumed_from=got.resumed_from)


def _checked(
    key: str,
    path: Path,
    url: str,
    kinds: frozenset[str],
    release: str | None,
    *,
    reused: bool = False,
    resumed_from: int = 0,
) -> FetchedBundle:
    try:
        found = check_bundle(path, kinds, release)
    except FetchError:
        path.unlink(missing_ok=True)
        raise
    return FetchedBundle(key, path, url, path.stat().st_size, sha256_of(path), resumed_from, reused, found)


def check_bundle(path: Path, kinds: frozenset[str], release: str | None = None) -> Counter[str]:
    """The CMS files in the bundle at ``path`` by kind; raises :class:`FetchError` when it is not right.

    ``kinds`` must all be present; ``release`` (e.g. RVU26A), when given, must be the release of every
    PPRRVU file inside, so a re-pointed or mislabelled download is caught before it loads.
    """
    if path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
        raise FetchError(f"{path.name} is not a zip file (the server sent something else); it was removed")
    try:
        found = discover([path])
    except CmsFormatError as exc:
        raise FetchError(f"{exc}; the file was removed") from None
    counts = Counter(item.kind for item in found.inputs)
    missing = sorted(kinds - set(counts))
    if missing:
        names = ", ".join(KIND_LABELS.get(k, k) for k in missing)
        held = ", ".join(KIND_LABELS.get(k, k) for k in sorted(counts)) or "no CMS file"
        raise FetchError(f"{path.name} holds {held} but not {names}; the file was removed")
    if release is not None:
        others = sorted({_release_of(i) for i in found.inputs if i.kind == PPRRVU} - {release})
        if others:
            raise FetchError(
                f"{path.name} holds the national RVU file of {', '.join(others)}, not {release}; "
                "the file was removed"
            )
    return counts


def _release_of(item: CmsInput) -> str:
    """The release a PPRRVU names in its banner (or, failing that, its file and zip names)."""
    try:
        banner = decode_text(item.display, item.data[:4096]).splitlines()[:12]
    except CmsFormatError:
        banner = []  # an XLSX: its names tell
    try:
        return identify_release(item.display, banner, item.names).name
    except CmsFormatError:
        return "an unknown release"
