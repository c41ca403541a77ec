"""Shared fixtures: the real CMS files and a reference database built from them once per session.

Fixtures of one area live in ``tests/fixtures_<area>.py`` and are registered below.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openrvu.settings import load_settings

pytest_plugins: list[str] = [
    "fixtures_tracker",
    "fixtures_search",
    "fixtures_web",
    "fixtures_knowledge",
    "fixtures_benchmarks",
    "fixtures_spark_cluster",
]


@pytest.fixture(scope="session")
def cms_dir() -> Path:
    """The user's copy of the CMS files (``OPENRVU_CMS_DIR``, default ``../shared/data``)."""
    path = load_settings().cms_dir
    if not (path / "pfs_rvu_2025").is_dir():
        raise RuntimeError(f"the CMS files are not at {path}: set OPENRVU_CMS_DIR")
    return path


@pytest.fixture(scope="session")
def reference_path(tmp_path_factory: pytest.TempPathFactory, cms_dir: Path) -> Path:
    """A reference database holding every release in the CMS folder, built once per test session."""
    from openrvu.reference.build import ingest

    path = tmp_path_factory.mktemp("reference") / "reference.sqlite"
    ingest(path, [cms_dir])
    return path


@pytest.fixture(scope="session")
def reference(reference_path: Path):  # type: ignore[no-untyped-def]
    from openrvu.reference.db import ReferenceDB

    db = ReferenceDB(reference_path)
    yield db
    db.close()


@pytest.fixture()
def openrvu_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty ``OPENRVU_HOME`` for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return home


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
