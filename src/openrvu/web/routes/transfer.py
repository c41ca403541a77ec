"""Import lines from a CSV/XLSX file (preview with per-line errors, then an all-or-nothing commit) and
export the log (CSV, XLSX, PDF report) — adapters over ``openrvu.tracker``.

The uploaded file waits between preview and commit in ``OPENRVU_HOME/uploads`` under its SHA-256
(owner id in the name), so the commit writes exactly the bytes the user saw previewed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import importer
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
