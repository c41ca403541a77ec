"""The official CMS download locations, as data: ``catalog.toml`` beside this module.

A :class:`Source` is one downloadable bundle (a PFS release zip such as RVU25D, a ZIP code to carrier
locality zip, an HCPCS Level II quarterly zip) with the candidate file names CMS has used for it and the
kinds of CMS file it must hold. ``base_url`` can be replaced (a mirror, a test server): file names stay.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources

PFS = "pfs"
ZIP_LOCALITY = "zip_locality"
HCPCS = "hcpcs"
GROUPS = (PFS, ZIP_LOCALITY, HCPCS)


class UnknownSource(KeyError):
    """A release or file key the catalog does not list; the message names the closest keys."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Source:
    """One official CMS download."""

    key: str  # "RVU25D", "ZIP5-2025", "HCPCS-2025-10"
    group: str  # pfs, zip_locality, hcpcs
    title: str
    effective: date
    page: str  # the CMS landing page that links the file
    files: tuple[str, ...]  # candidate names under the base URL, most likely first
    kinds: frozenset[str]  # what the zip must hold (openrvu.cms.discover kinds)

    def urls(self, base_url: str) -> list[str]:
        """The candidate URLs under ``base_url``, in the order to try them."""
        return [join_url(base_url, name) for name in self.files]


def local_name(file: str) -> str:
    """The local file name of a catalog file name (CMS puts slashes in some, e.g. ``...-08/14/2025.zip``)."""
    return file.replace("/", "-")


def join_url(base_url: str, name: str) -> str:
    """``name`` under ``base_url`` (a trailing slash is added when missing)."""
    return base_url if not name else base_url.rstrip("/") + "/" + name.lstrip("/")


@dataclass(frozen=True)
class Catalog:
    """Every source: PFS releases, ZIP locality files, HCPCS updates, oldest first within each."""

    base_url: str
    sources: tuple[Source, ...]

    def get(self, key: str) -> Source:
        """The source named ``key`` (case-insensitive; ``rvu25d`` and ``rvu25d.zip`` work too)."""
        wanted = key.strip().upper().removesuffix(".ZIP")
        for source in self.sources:
            if source.key.upper() == wanted:
                return source
        keys = [s.key for s in self.sources]
        close = difflib.get_close_matches(wanted, keys, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnknownSource(f"unknown release {key!r}: {hint}known: {', '.join(keys)}")

    def latest(self, group: str, *, on: date | None = None) -> Source:
        """The newest source of ``group`` in effect on ``on`` (default today)."""
        on = on or date.today()
        candidates = [s for s in self.sources if s.group == group and s.effective <= on]
        if not candidates:
            raise UnknownSource(f"the catalog has no {group} source in effect on {on.isoformat()}")
        return max(candidates, key=lambda s: (s.effective, s.key))


def load_catalog() -> Catalog:
    """Read ``catalog.toml`` (shipped with the package)."""
    text = resources.files("openrvu.cms").joinpath("catalog.toml").read_text(encoding="utf-8")
    return parse_catalog(text)


def parse_catalog(text: str) -> Catalog:
    """Parse catalog TOML text; raises ``ValueError`` naming the entry and field that is wrong."""
    data = tomllib.loads(text)
    sources = []
    for number, entry in enumerate(data.get("source", []), start=1):
        try:
            source = Source(
                key=str(entry["key"]),
                group=str(entry["group"]),
                title=str(entry["title"]),
                effective=date.fromisoformat(str(entry["effective"])),
                page=str(entry.get("page", "")),
                files=tuple(str(f) for f in entry["files"]),
                kinds=frozenset(str(k) for k in entry["kinds"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"catalog source #{number}: bad or missing field {exc}") from exc
        if source.group not in GROUPS or not source.files or not source.kinds:
            raise ValueError(f"catalog source {source.key}: needs a group of {GROUPS}, files and kinds")
        sources.append(source)
    sources.sort(key=lambda s: (GROUPS.index(s.group), s.effective))
    return Catalog(str(data["base_url"]), tuple(sources))
