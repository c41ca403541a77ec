"""Import lines from a CSV/XLSX file (preview with per-line errors, then an all-or-nothing commit) and
export the log (CSV, XLSX, PDF report) — adapters over ``openrvu.tracker``.

The uploaded file waits between preview and commit in ``OPENRVU_HOME/uploads`` under its SHA-256
(owner id in the name), so the commit writes exactly the bytes the user saw previewed.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import export, importer
from openrvu.tracker.dashboard import PERIODS
from openrvu.tracker.errors import ImportRejected
from openrvu.tracker.models import User
from openrvu.web.deps import DB, PageUser, redirect, render, services

router = APIRouter(include_in_schema=False)

MAX_UPLOAD = 10 * 1024 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_SUFFIXES = (".csv", ".xlsx")


def _upload_path(request: Request, user: User, digest: str, suffix: str) -> Path:
    folder = services(request).settings.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{user.id}-{digest}{suffix}"


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, user: PageUser) -> Response:
    """Choose a file to import."""
    return render(request, "import.html", {"nav": "log", "preview": None})


@router.post("/import/preview", response_class=HTMLResponse)
def import_preview(request: Request, db: DB, user: PageUser, file: UploadFile) -> Response:
    """Validate every line of the file and show what a commit would do; nothing is written yet."""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    data = file.file.read(MAX_UPLOAD + 1)
    error = None
    if suffix not in _SUFFIXES:
        error = f"“{name or 'the file'}” is not a .csv or .xlsx file."
    elif len(data) > MAX_UPLOAD:
        error = "The file is larger than 10 MB: split it into smaller files."
    if error:
        return render(request, "import.html", {"nav": "log", "preview": None, "errors": {"file": error}}, 422)
    try:
        preview = importer.preview_import(db, user, name, data, services(request).catalog)
    except ImportRejected as exc:
        return render(request, "import.html", {"nav": "log", "preview": None, "file_errors": exc.errors}, 422)
    digest = hashlib.sha256(data).hexdigest()
    _upload_path(request, user, digest, suffix).write_bytes(data)
    context = {"nav": "log", "preview": preview, "digest": digest, "suffix": suffix, "filename": name}
    return render(request, "import.html", context, 200 if preview.ok else 422)


@router.post("/import/commit", response_class=HTMLResponse)
def import_commit(
    request: Request,
    db: DB,
    user: PageUser,
    digest: str = Form(..., max_length=64),
    suffix: str = Form(..., max_length=5),
    filename: str = Form("", max_length=255),
) -> Response:
    """Write every line of the previewed file in one transaction, or nothing."""
    if not _DIGEST.match(digest) or suffix not in _SUFFIXES:
        raise HTTPException(status_code=422, detail="Unknown upload: preview the file again.")
    path = _upload_path(request, user, digest, suffix)
    if not path.exists():
        raise HTTPException(status_code=404, detail="That upload is gone: preview the file again.")
    try:
        added = importer.commit_import(
            db, user, filename or path.name, path.read_bytes(), services(request).catalog
        )
    except ImportRejected as exc:
        return render(request, "import.html", {"nav": "log", "preview": None, "file_errors": exc.errors}, 422)
    path.unlink(missing_ok=True)
    return redirect(f"/log?imported={len(added)}")


def _range(start: str, end: str) -> tuple[date | None, date | None]:
    try:
        return (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
    except ValueError:
        raise HTTPException(status_code=422, detail="Dates are YYYY-MM-DD.") from None


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'}
    )


@router.get("/export.csv")
def export_csv(db: DB, user: PageUser, start: str = "", end: str = "") -> Response:
    """Every line of the user (or those between ``start`` and ``end``) as CSV."""
    lo, hi = _range(start, end)
    return _download(
        export.export_csv(db, user, start=lo, end=hi), "text/csv; charset=utf-8", "openrvu-log.csv"
    )


@router.get("/export.xlsx")
def export_xlsx(db: DB, user: PageUser, start: str = "", end: str = "") -> Response:
    """Every line of the user as an Excel workbook."""
    lo, hi = _range(start, end)
    return _download(
        export.export_xlsx(db, user, start=lo, end=hi),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "openrvu-log.xlsx",
    )


@router.get("/export.pdf")
def export_pdf(db: DB, user: PageUser, period: str = "month") -> Response:
    """The dashboard as a PDF report with its charts."""
    if period not in PERIODS:
        period = "month"
    return _download(export.export_pdf(db, user, period=period), "application/pdf", "openrvu-report.pdf")
