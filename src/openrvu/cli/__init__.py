"""The ``openrvu`` command line: thin Typer adapters over the library.

Each concern registers its commands on ``app`` in its own module when imported; this package only
assembles them.
"""

from __future__ import annotations

from openrvu.cli import benchmarks, fetch, pricing, reconcile, reference, search, serve
from openrvu.cli import planner as planner  # registers `plan` and `offers`
from openrvu.cli.app import app

__all__ = ["app", "benchmarks", "fetch", "main", "pricing", "reconcile", "reference", "search", "serve"]


def main() -> None:
    app()
