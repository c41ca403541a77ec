"""The root Typer application and the helpers every command module shares."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="openrvu",
    help="Medical code reference and work-RVU tracker built on the CMS Physician Fee Schedule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a clear error to stderr and return the exit to raise (status 2 for bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)
