"""The application factory: ``create_app(settings)`` wires the libraries, routes, templates and middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from openrvu.settings import Settings, load_settings
from openrvu.web.csrf import CSRFMiddleware
from openrvu.web.deps import SignInRequired, render, sign_in_redirect, wants_html
from openrvu.web.middleware import HeadersMiddleware
from openrvu.web.services import Services
from openrvu.web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app over the reference DB at ``settings.reference_db`` and the application
    database at ``settings.database_url`` (migrated to the latest schema here)."""
    from openrvu.web.routes import (
        accounts,
        api,
        api_log,
        codes,
        dashboard,
        groups,
        logbook,
        offline,
        planner,
        reconcile,
        transfer,
    )

    settings = settings or load_settings()
    app = FastAPI(
        title="openrvu",
        summary="CMS Physician Fee Schedule code reference, pricing and work-RVU log.",
        version="0.1.0",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = Services(settings)
    app.state.services.migrate()
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (codes, api, api_log, accounts, logbook, dashboard, transfer, groups, offline, planner):
        app.include_router(module.router)
    app.include_router(reconcile.router)

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> FileResponse:
        return FileResponse(STATIC_DIR / "manifest.webmanifest", media_type="application/manifest+json")

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(exc.next_url)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request) and exc.status_code in (401, 403, 404, 405):
            return render(
                request,
                "error.html",
                {"status": exc.status_code, "message": exc.detail},
                status_code=exc.status_code,
            )
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        if wants_html(request):
            message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            return render(request, "error.html", {"status": 422, "message": message}, status_code=422)
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    app.add_middleware(CSRFMiddleware)
    app.add_middleware(HeadersMiddleware)
    return app
