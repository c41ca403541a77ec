"""Errors of the benchmark pipeline."""

from __future__ import annotations

from openrvu.cms.errors import CmsFormatError


class BenchmarkInputError(CmsFormatError):
    """A public use file (or a survey CSV) cannot be used: names the file, line/column where known, and what
    was expected. Nothing has been changed when it is raised."""


class BenchmarksNotBuilt(LookupError):
    """No benchmark tables are built yet (run ``openrvu benchmarks build``)."""
