"""Errors the tracker services raise; the web and CLI map them to responses and exit codes."""

from __future__ import annotations

from typing import Any


class TrackerError(Exception):
    """Base class of every error a tracker service raises on purpose."""


class NotFound(TrackerError):
    """The object does not exist, or belongs to someone else (never say which: no enumeration)."""


class Forbidden(TrackerError):
    """The caller is known but the role does not allow the action (e.g. a clinician creating a group)."""


class AlreadyDeleted(TrackerError):
    """A resend of an idempotency key whose line was stored and later deleted: a duplicate, so nothing
    is stored again. ``entry_id`` is the deleted line's id, ``line`` its last audit snapshot (empty if
    the trail lacks it)."""

    message = "already received; the line was deleted"

    def __init__(self, entry_id: int, line: dict[str, Any]) -> None:
        self.entry_id = entry_id
        self.line = line
        super().__init__(self.message)


class InvalidInput(TrackerError):
    """One field of the input is wrong. ``field`` names it, ``code`` is a stable machine-readable reason."""

    def __init__(self, field: str, message: str, *, code: str = "invalid") -> None:
        self.field = field
        self.code = code
        self.message = message
        super().__init__(f"{field}: {message}")


class UnknownCode(InvalidInput):
    """The HCPCS code is not in the reference release in force on the date of service."""

    def __init__(self, hcpcs: str, message: str) -> None:
        super().__init__("hcpcs", message, code="unknown_code")
        self.hcpcs = hcpcs


class UnknownModifier(InvalidInput):
    """A modifier is not known, or not valid with this code."""

    def __init__(self, modifier: str, message: str) -> None:
        super().__init__("modifiers", message, code="unknown_modifier")
        self.modifier = modifier


class InvalidCredentials(TrackerError):
    """Wrong email or password (one message for both, so accounts cannot be enumerated)."""


class TooManyAttempts(TrackerError):
    """Too many failed sign-ins for this email from this address; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")


class SignupClosed(TrackerError):
    """The administrator does not allow sign-up (or this email has no invitation)."""


class EmailTaken(InvalidInput):
    """An account with this email exists."""

    def __init__(self) -> None:
        super().__init__("email", "an account with this email already exists", code="email_taken")


class ImportRejected(TrackerError):
    """An import file has errors; nothing was written. ``errors`` lists every bad line."""

    def __init__(self, errors: list[ImportLineError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} line(s) with errors; nothing was imported")


class ImportLineError(InvalidInput):
    """One bad line of an import file: its 1-based ``line`` (header is line 1) and the column at fault."""

    def __init__(self, line: int, column: str, message: str, *, code: str = "invalid") -> None:
        super().__init__(column, message, code=code)
        self.line = line
        self.column = column
        self.message = message
        self.args = (f"line {line}, column {column!r}: {message}",)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.message}"


class FormErrors(InvalidInput):
    """Several fields of one form are wrong: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(first, errors[first], code="form")
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.errors.items())
