"""Project-level promises: documented settings, the two-command Quickstart, benchmarks that still run."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openrvu.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quickstart_is_two_make_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quickstart, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "openrvu").rglob("*.py"))
    names = set(
        re.findall(r"""(?:environ|getenv|env)(?:\.get)?\(\s*["'](OPENRVU_[A-Z_]+|DATABASE_URL)["']""", source)
    )
    names |= set(re.findall(r"""env\.get\(\s*["']([A-Z_]+)["']""", source))
    assert {"OPENRVU_HOME", "OPENRVU_CMS_DIR", "DATABASE_URL"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"undocumented settings: {missing}"


def test_settings_defaults_and_overrides(tmp_path: Path) -> None:
    s = load_settings({"OPENRVU_HOME": str(tmp_path), "OPENRVU_CMS_DIR": str(tmp_path / "cms")})
    assert s.home == tmp_path
    assert s.cms_dir == tmp_path / "cms"
    assert s.reference_db == tmp_path / "reference.sqlite"
    assert s.database_url == f"sqlite:///{tmp_path / 'openrvu.sqlite'}"
    assert load_settings({"DATABASE_URL": "postgresql+psycopg://x@h/db"}).database_url.startswith(
        "postgresql"
    )
    default = load_settings({})
    assert default.cms_dir == ROOT.parent / "shared" / "data"
    assert "openrvu" in str(default.home)


def test_no_cms_file_is_tracked(cms_dir: Path) -> None:
    """CPT descriptors are AMA copyright: no CMS data file, or copy of one, may be committed."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = [ROOT / f for f in tracked.splitlines() if (ROOT / f).is_file()]
    cms_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in cms_dir.rglob("*") if p.is_file()}
    copies = [p for p in files if hashlib.sha256(p.read_bytes()).hexdigest() in cms_hashes]
    assert not copies
    data_like = re.compile(
        r"(PPRRVU|GPCI20|LOCCO|ANES20|OPPSCAP|HCPC20|ZIP5_|PFREV|PFALL)[^/]*\.(csv|txt|xlsx|zip|gz)$", re.I
    )
    assert not [p for p in files if data_like.search(p.name)]


@pytest.mark.timeout(900)
def test_every_benchmark_runs_in_quick_mode(tmp_path: Path) -> None:
    env = dict(os.environ, OPENRVU_BENCH_QUICK="1", OPENRVU_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "FAILED" not in proc.stdout


@pytest.mark.timeout(600)
def test_code_passes_ruff_and_mypy() -> None:
    """`make check` in the suite, so CI keeps the code lint-, format- and type-clean."""
    bindir = Path(sys.executable).parent
    for cmd in (
        [str(bindir / "ruff"), "check", "src", "tests", "bench"],
        [str(bindir / "ruff"), "format", "--check", "src", "tests", "bench"],
        [str(bindir / "mypy")],
    ):
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{' '.join(cmd[:2])}:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
