"""The ``openrvu`` command line: thin Typer adapters over the library.

Each concern registers its commands in its own module; this package only assembles them.
"""

from __future__ import annotations

from openrvu.cli.app import app

# Command modules register themselves on ``app`` when imported.
from openrvu.cli import reference as _reference  # noqa: F401,E402
from openrvu.cli import pricing as _pricing  # noqa: F401,E402
from openrvu.cli import search as _search  # noqa: F401,E402
from openrvu.cli import serve as _serve  # noqa: F401,E402
from openrvu.cli import benchmarks as _benchmarks  # noqa: F401,E402
from openrvu.cli import fetch as _fetch  # noqa: F401,E402


def main() -> None:
    app()
