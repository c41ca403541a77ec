"""Reconcile an employer's productivity report against the log: a page (upload, period, summary, lines
by category, CSV/XLSX download) and ``POST /api/reconcile`` — adapters over ``openrvu.tracker.reconcile``.

Nothing of the report is stored, not even for the download: the page carries the CSV and XLSX of the
result it shows as ``data:`` links, built from the same comparison (so a download is exactly what the
page says, and no copy of a file that may hold patient-data columns lands on the server's disk).
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import reconcile
from openrvu.tracker.reconcile import Reconciliation
from openrvu.tracker.reconcile_explain import wrvu_text
from openrvu.tracker.reconcile_export import export_csv, export_xlsx
from openrvu.tracker.reconcile_report import ReportRejected
from openrvu.web.deps import DB, ApiUser, PageUser, render, services

router = APIRouter()

MAX_UPLOAD = 10 * 1024 * 1024
MAX_EMBED = 4 * 1024 * 1024  # larger results: download them with the CLI or the API
_SUFFIXES = (".csv", ".xlsx")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No session cookie and no valid API token"},
    422: {"description": "The report cannot be read (each error names its line and column), or a bad period"},
}


def _read(file: UploadFile) -> tuple[str, bytes, str | None]:
    """The upload's name and bytes, or an error message for a wrong type or size."""
    name = Path(file.filename or "").name
    data = file.file.read(MAX_UPLOAD + 1)
    if Path(name).suffix.lower() not in _SUFFIXES:
        return name, data, f"“{name or 'the file'}” is not a .csv or .xlsx file."
    if len(data) > MAX_UPLOAD:
        return name, data, "The file is larger than 10 MB: split it by period."
    return name, data, None


def _period(start: str, end: str) -> tuple[date | None, date | None]:
    try:
        return (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
    except ValueError:
        raise ValueError("Dates are YYYY-MM-DD.") from None


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    return render(request, "reconcile.html", {"nav": "reconcile", "result": None, **context}, status)


def _downloads(result: Reconciliation) -> dict[str, str] | None:
    """``data:`` links of the result's CSV and XLSX, or None when too large to carry in the page."""
    csv_bytes = export_csv(result)
    if len(csv_bytes) > MAX_EMBED:
        return None
    return {
        "csv": "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv_bytes).decode(),
        "xlsx": f"data:{_XLSX};base64," + base64.b64encode(export_xlsx(result)).decode(),
    }


@router.get("/reconcile", response_class=HTMLResponse, include_in_schema=False)
def reconcile_page(request: Request, user: PageUser) -> Response:
    """Choose the employer's report and the period."""
    return _page(request)


@router.post("/reconcile", response_class=HTMLResponse, include_in_schema=False)
def reconcile_upload(
    request: Request,
    db: DB,
    user: PageUser,
    file: UploadFile,
    start: str = Form("", max_length=10),
    end: str = Form("", max_length=10),
    provider: str = Form("", max_length=80),
) -> Response:
    """Compare the uploaded report with the log and show every line by category; nothing is written."""
    form = {"start": start, "end": end, "provider": provider}
    name, data, error = _read(file)
    try:
        if error:
            raise ValueError(error)
        lo, hi = _period(start, end)
        result = reconcile.reconcile(
            db, user, services(request).catalog, name, data, start=lo, end=hi, provider=provider
        )
    except ReportRejected as exc:
        return _page(request, 422, file_errors=exc.errors, filename=name, form=form)
    except ValueError as exc:
        return _page(request, 422, errors={"file": str(exc)}, form=form)
    return _page(
        request,
        result=result,
        categories=reconcile.CATEGORIES,
        wrvu=wrvu_text,
        downloads=_downloads(result),
        stem=Path(name).stem[:60] or "report",
        form={"start": result.start.isoformat(), "end": result.end.isoformat(), "provider": provider},
    )


def _unprocessable(errors: list[dict[str, Any]]) -> HTTPException:
    return HTTPException(status_code=422, detail={"errors": errors})


@router.post(
    "/api/reconcile",
    tags=["reconcile"],
    summary="Reconcile an employer report (CSV/XLSX) against the caller's log",
    responses=RESPONSES,
)
def api_reconcile(
    request: Request,
    db: DB,
    user: ApiUser,
    file: UploadFile,
    start: date | None = Query(None, description="First day (default: the report's first date)"),
    end: date | None = Query(None, description="Last day (default: the report's last date)"),
    provider: str | None = Query(
        None, max_length=80, description="Your name as the report's provider column spells it"
    ),
) -> dict[str, Any]:
    """Every report line and log line of the period in one category (matched, missing_from_report,
    credited_to_another, not_in_log, wrvu_differs, denied) with the matching rule and the computed
    explanation; totals by category and the money at stake at the profile's $ per wRVU. wRVU and money
    are strings with their exact decimals. Columns that could hold patient data are never read; nothing
    is stored."""
    name, data, error = _read(file)
    if error:
        raise _unprocessable([{"line": 0, "column": "file", "message": error}])
    try:
        result = reconcile.reconcile(
            db, user, services(request).catalog, name, data, start=start, end=end, provider=provider
        )
    except ReportRejected as exc:
        raise _unprocessable(
            [{"line": e.line, "column": e.column, "message": e.message} for e in exc.errors]
        ) from None
    except ValueError as exc:
        raise _unprocessable([{"line": 0, "column": "period", "message": str(exc)}]) from None
    return reconcile.result_json(result)
