"""The web app: a thin FastAPI adapter over the reference, search, pricing and tracker libraries.

``create_app(settings)`` builds the application; ``openrvu serve`` runs it with uvicorn.
"""

from __future__ import annotations

from openrvu.web.app import create_app

__all__ = ["create_app"]
