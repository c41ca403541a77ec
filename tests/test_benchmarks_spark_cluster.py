"""``benchmarks build --engine spark`` on a real standalone cluster and through Spark Connect gives the same
tables as DuckDB; an unreachable master or a file Spark cannot read fails clearly and changes nothing.

The builds run the ``openrvu`` command in its own process, as a user would: a classic driver then starts
its own JVM, and the Connect client's process-wide switch to Connect mode stays out of this test process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fixtures_spark_cluster import SparkCluster, free_port
from openrvu.benchmarks.build import STORE_NAME, build, convert_to_parquet
from openrvu.benchmarks.engine import SparkEngine
from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.inputs import check_provider_service_file
from openrvu.benchmarks.synth import generate

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark-cluster")]

CLI_TIMEOUT_S = 600  # a hang, not slowness: a build takes 1-4 min on two busy cores


@pytest.fixture(scope="module")
def parity_csv(tmp_path_factory: pytest.TempPathFactory, bench_release) -> Path:  # type: ignore[no-untyped-def]
    """The parity fixture's synthetic year (400 providers, every specialty, seed 11) as a CMS CSV."""
    folder = tmp_path_factory.mktemp("cluster-parity")
    made = generate(
        folder, providers=400, year=2025, facts=bench_release.facts, release=bench_release.name, seed=11
    )
    return made.path


@pytest.fixture(scope="module")
def duckdb_tables(
    tmp_path_factory: pytest.TempPathFactory, parity_csv: Path, bench_release
) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    """What the default engine writes for that year."""
    result = build(
        [parity_csv],
        work=bench_release.work,
        release=bench_release.name,
        benchmarks_dir=tmp_path_factory.mktemp("cluster-duckdb"),
        threads=1,
        memory_limit="1GB",
    )
    return _tables(result.path)


def _tables(folder: Path) -> dict[str, pa.Table]:
    return {p.stem: pq.read_table(p) for p in sorted((folder / "tables").glob("*.parquet"))}


def _assert_same_tables(expected: dict[str, pa.Table], actual: dict[str, pa.Table]) -> None:
    """The parity test's comparison: the same tables, columns and rows (exact values, same order)."""
    assert sorted(expected) == sorted(actual)
    for name in expected:
        assert expected[name].column_names == actual[name].column_names, name
        assert expected[name].num_rows > 0, name
        assert expected[name].to_pylist() == actual[name].to_pylist(), name


def _home(tmp_path: Path, reference_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    return home


def _openrvu(cluster: SparkCluster, home: Path, *args: str) -> tuple[int, str]:
    """Run the command in its own process group (its driver JVM included), output to the cluster's logs."""
    env = dict(cluster.env, OPENRVU_HOME=str(home))
    env.pop("DATABASE_URL", None)
    log = cluster.logs / f"openrvu-{len(list(cluster.logs.glob('openrvu-*.log')))}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from openrvu.cli import main; main()", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=CLI_TIMEOUT_S)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, log.read_text(encoding="utf-8", errors="replace")


def _built_meta(home: Path) -> dict[str, Any]:
    con = sqlite3.connect(home / "benchmarks" / "2025" / STORE_NAME)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'build'").fetchone()
    finally:
        con.close()
    return dict(json.loads(row[0]))


def test_build_on_a_standalone_master_matches_duckdb(  # type: ignore[no-untyped-def]
    spark_cluster: SparkCluster, parity_csv: Path, duckdb_tables, reference_path: Path, tmp_path: Path
) -> None:
    home = _home(tmp_path, reference_path)
    before = spark_cluster.applications()
    status, output = _openrvu(
        spark_cluster,
        home,
        *("benchmarks", "build", str(parity_csv), "--engine", "spark"),
        *("--spark-master", spark_cluster.master_url),
    )
    assert status == 0, spark_cluster.log_tail()
    assert "with spark" in output and "SYNTHETIC" in output
    # The work ran on the cluster: the worker started executors for one more application.
    assert len(spark_cluster.applications()) == len(before) + 1
    assert _built_meta(home)["engine"] == "spark"
    _assert_same_tables(duckdb_tables, _tables(home / "benchmarks" / "2025"))


def test_build_through_spark_connect_matches_duckdb(  # type: ignore[no-untyped-def]
    spark_cluster: SparkCluster, parity_csv: Path, duckdb_tables, reference_path: Path, tmp_path: Path
) -> None:
    home = _home(tmp_path, reference_path)
    before = spark_cluster.applications()
    status, output = _openrvu(
        spark_cluster,
        home,
        *("benchmarks", "build", str(parity_csv), "--engine", "spark"),
        *("--spark-master", spark_cluster.connect_url),
    )
    assert status == 0, spark_cluster.log_tail()
    assert "with spark" in output
    # The queries ran in the Connect server: the command started no JVM (no Spark log banner) and put no
    # application on the cluster.
    assert "log4j" not in output and spark_cluster.applications() == before
    assert _built_meta(home)["engine"] == "spark"
    _assert_same_tables(duckdb_tables, _tables(home / "benchmarks" / "2025"))


def _state(benchmarks: Path) -> tuple[str, list[str]]:
    link = benchmarks / "2025"
    return os.readlink(link), sorted(p.name for p in (benchmarks / "builds").iterdir())


def test_an_unreachable_master_exits_2_and_leaves_the_tables(
    openrvu_home: Path, reference_path: Path, parity_csv: Path
) -> None:
    from typer.testing import CliRunner

    from openrvu.cli import app

    openrvu_home.mkdir(parents=True)
    (openrvu_home / "reference.sqlite").symlink_to(reference_path)
    runner = CliRunner()
    first = runner.invoke(app, ["benchmarks", "build", str(parity_csv), "--threads", "1"])
    assert first.exit_code == 0, first.output
    before = _state(openrvu_home / "benchmarks")
    nobody = free_port()
    for url, kind in (
        (f"spark://127.0.0.1:{nobody}", "no Spark master answers"),
        (f"sc://127.0.0.1:{nobody}", "no Spark Connect server answers"),
    ):
        refused = runner.invoke(
            app, ["benchmarks", "build", str(parity_csv), "--engine", "spark", "--spark-master", url]
        )
        output = refused.output.replace("\n", " ")
        assert refused.exit_code == 2, output
        assert url in output and kind in output and f"127.0.0.1:{nobody}" in output, output
        assert "Nothing was built" in output
        assert _state(openrvu_home / "benchmarks") == before


@pytest.fixture()
def connect_engine(
    spark_cluster: SparkCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A SparkEngine on the Connect server, inside this process. pyspark switches the whole process to
    Connect mode with this variable; the monkeypatch removes it again so later local sessions work."""
    monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")
    engine = SparkEngine(tmp_path, master=spark_cluster.connect_url)
    yield engine
    engine.close()


def test_a_file_the_executors_cannot_read_is_named_with_the_shared_storage_rule(
    connect_engine: SparkEngine, parity_csv: Path, tmp_path: Path
) -> None:
    # The situation of a cluster of several machines, on one: the driver (the Connect server) lists the
    # Parquet file, then the executors do not find it.
    [parquet] = convert_to_parquet(
        [check_provider_service_file(parity_csv, 2025)], tmp_path, threads=1, memory_limit="1GB", say=print
    )
    connect_engine.register_parquet("services", [parquet])
    parquet.unlink()
    with pytest.raises(BenchmarkInputError) as caught:
        connect_engine.fetch("services", ())
    message = str(caught.value)
    assert message.startswith(str(parquet)), message
    assert "every node mounts at the same path" in message and "OPENRVU_HOME" in message


def test_a_file_the_driver_cannot_see_is_named_too(connect_engine: SparkEngine, tmp_path: Path) -> None:
    missing = tmp_path / "services-0.parquet"
    with pytest.raises(BenchmarkInputError) as caught:
        connect_engine.register_parquet("services", [missing])
    assert str(caught.value).startswith(str(missing)) and "same path" in str(caught.value)
