"""Errors raised while reading CMS files."""

from __future__ import annotations

from pathlib import Path


class CmsFormatError(ValueError):
    """A CMS file does not have the shape we expect.

    Always names the file, and the line (1-based) and column where known, and what was expected,
    so that a user can open the file and see the problem.
    """

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.expected = expected
        self.detail = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)
