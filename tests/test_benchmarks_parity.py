"""The same SQL files on DuckDB and on Spark (local mode) give identical benchmark tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openrvu.benchmarks.build import convert_to_parquet, run_steps
from openrvu.benchmarks.categories import category_name
from openrvu.benchmarks.engine import STEPS, DuckDBEngine, SparkEngine, spark_session
from openrvu.benchmarks.inputs import check_provider_service_file
from openrvu.benchmarks.synth import generate

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One small local Spark session for the module (one core, few partitions, no UI)."""
    session = spark_session("local[1]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory, bench_release) -> list[Path]:  # type: ignore[no-untyped-def]
    """A small synthetic year (400 providers, every specialty), converted to Parquet as the build does."""
    folder = tmp_path_factory.mktemp("parity")
    made = generate(
        folder, providers=400, year=2025, facts=bench_release.facts, release=bench_release.name, seed=11
    )
    work = folder / "work"
    work.mkdir()
    return convert_to_parquet(
        [check_provider_service_file(made.path, 2025)], work, threads=1, memory_limit="1GB", say=print
    )


def test_duckdb_and_spark_give_identical_tables(spark, parquet, bench_release, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "duck").mkdir()
    (tmp_path / "spark").mkdir()
    duck = DuckDBEngine(tmp_path / "duck", threads=1, memory_limit="1GB")
    try:
        expected = run_steps(duck, parquet, bench_release.work, category_name)
    finally:
        duck.close()
    sparky = SparkEngine(tmp_path / "spark", session=spark)
    try:
        actual = run_steps(sparky, parquet, bench_release.work, category_name)
    finally:
        sparky.close()
    outputs = [s.name for s in STEPS if s.output]
    assert sorted(expected) == sorted(actual) == sorted(outputs)
    for name in outputs:
        assert expected[name].column_names == actual[name].column_names, name
        assert expected[name].num_rows > 0, name
        assert expected[name].to_pylist() == actual[name].to_pylist(), name
