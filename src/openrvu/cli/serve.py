"""``openrvu serve``: run the web app with uvicorn over the configured databases."""

from __future__ import annotations

import typer

from openrvu.cli.app import app, console, fail
from openrvu.settings import load_settings


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port to listen on."),
) -> None:
    """Serve the code reference, the procedure log and the JSON API (http://HOST:PORT)."""
    import uvicorn

    from openrvu.web import create_app

    settings = load_settings()
    if not settings.reference_db.exists():
        raise fail(f"no reference database at {settings.reference_db}: run `openrvu ingest PATH` first")
    web_app = create_app(settings)
    web_app.state.services.warm()
    console.print(f"openrvu: serving on http://{host}:{port}  (reference {settings.reference_db})")
    uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=True)
