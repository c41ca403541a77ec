"""Errors of the reference database: what was asked for is not loaded."""

from __future__ import annotations

from datetime import date


class ReferenceLookupError(LookupError):
    """Base of the lookup errors below (``LookupError`` so callers can catch them all at once)."""


class ReferenceNotBuilt(ReferenceLookupError):
    """There is no reference database at the path: run ``openrvu ingest`` first."""


class UnknownRelease(ReferenceLookupError):
    """A release name that is not loaded."""

    def __init__(self, name: str, loaded: list[str]) -> None:
        self.name = name
        self.loaded = loaded
        have = ", ".join(loaded) or "none"
        super().__init__(f"release {name!r} is not loaded (loaded: {have})")


class NoReleaseForDate(ReferenceLookupError):
    """No loaded release covers the year of a date of service."""

    def __init__(self, day: date, loaded: list[str]) -> None:
        self.date = day
        self.loaded = loaded
        have = ", ".join(loaded) or "none"
        super().__init__(
            f"no release for {day.year} is loaded, so {day.isoformat()} cannot be priced (loaded: {have})"
        )


class UnknownCode(ReferenceLookupError):
    """A code (or code + modifier) the release does not have; ``closest`` holds the likely meant codes."""

    def __init__(self, code: str, release: str, closest: list[str], modifier: str = "") -> None:
        self.code = code
        self.release = release
        self.closest = closest
        self.modifier = modifier
        what = f"{code}-{modifier}" if modifier else code
        hint = f"; closest codes: {', '.join(closest)}" if closest else ""
        super().__init__(f"{what} is not in release {release}{hint}")
