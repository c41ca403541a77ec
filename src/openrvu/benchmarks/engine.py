"""Run the benchmark SQL files on DuckDB (embedded, default) or Spark (local mode or a cluster).

The SQL lives in ``sql/*.sql`` and is the same text for both engines: it is written in the subset both
understand (CTEs, window functions, CAST to DECIMAL/DOUBLE/BIGINT, FLOOR, ROUND, COALESCE). The only
per-engine code is here: how an input is registered as a named table, how a step is materialised, and how
a result comes back as an Arrow table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Step:
    """One SQL file: its name is also the name of the table or view it creates."""

    name: str
    materialize: bool  # False: a view, recomputed where used
    output: bool  # written to the benchmark tables
    order_by: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("lines", materialize=True, output=False),
    Step("input_summary", materialize=True, output=True),
    Step("provider_wrvu", materialize=True, output=False),
    Step("specialty_quantiles", materialize=True, output=True, order_by=("specialty", "pct")),
    Step("specialty_summary", materialize=True, output=True, order_by=("specialty",)),
    Step("em_mix", materialize=True, output=True, order_by=("specialty", "family", "level")),
    Step("code_provider", materialize=True, output=False),
    Step("code_stats", materialize=True, output=True, order_by=("hcpcs",)),
    Step("code_specialties", materialize=True, output=True, order_by=("hcpcs", "specialty")),
    Step("category_provider", materialize=True, output=False),
    Step("category_stats", materialize=True, output=True, order_by=("category",)),
    Step("category_specialties", materialize=True, output=True, order_by=("category", "specialty")),
)


def step_sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return resources.files("openrvu.benchmarks").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


class Engine(Protocol):
    name: str

    def register_parquet(self, name: str, paths: list[Path]) -> None: ...
    def register_arrow(self, name: str, table: pa.Table) -> None: ...
    def run(self, step: Step) -> None: ...
    def fetch(self, name: str, order_by: tuple[str, ...]) -> pa.Table: ...
    def close(self) -> None: ...


class DuckDBEngine:
    """DuckDB in-process, with its memory and threads bounded and a spill directory in the build folder."""

    name = "duckdb"

    def __init__(self, workdir: Path, *, threads: int | None = None, memory_limit: str = "2GB") -> None:
        import duckdb

        # In memory (spilling to the build folder beyond the limit): a database file would write every
        # intermediate table to disk.
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = '{workdir / 'spill'}'")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")

    def register_parquet(self, name: str, paths: list[Path]) -> None:
        files = ", ".join(_quote(str(p)) for p in paths)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{files}])")

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.con.register(f"_arrow_{name}", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _arrow_{name}")
        self.con.unregister(f"_arrow_{name}")

    def run(self, step: Step) -> None:
        kind = "TABLE" if step.materialize else "VIEW"
        self.con.execute(f"CREATE OR REPLACE {kind} {step.name} AS {step_sql(step.name)}")

    def fetch(self, name: str, order_by: tuple[str, ...]) -> pa.Table:
        order = f" ORDER BY {', '.join(order_by)}" if order_by else ""
        return self.con.sql(f"SELECT * FROM {name}{order}").to_arrow_table()

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """The same SQL on Spark: local mode by default, ``master`` for a cluster, ``sc://`` for Spark Connect."""

    name = "spark"

    def __init__(self, workdir: Path, *, master: str | None = None, session: Any = None) -> None:
        self.workdir = workdir
        self._own_session = session is None
        self.spark = session if session is not None else spark_session(master)
        self._persisted: list[Any] = []

    def register_parquet(self, name: str, paths: list[Path]) -> None:
        self.spark.read.parquet(*[str(p) for p in paths]).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        # Through a Parquet file, so decimals and integers keep their exact types on the way in.
        import pyarrow.parquet as pq

        path = self.workdir / "spark-inputs" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def run(self, step: Step) -> None:
        from pyspark import StorageLevel

        frame = self.spark.sql(step_sql(step.name))
        if step.materialize:
            # Cached (memory, then local disk) by the first query that reads it; later steps reuse it.
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            self._persisted.append(frame)
        frame.createOrReplaceTempView(step.name)

    def fetch(self, name: str, order_by: tuple[str, ...]) -> pa.Table:
        frame = self.spark.table(name)
        if order_by:
            frame = frame.orderBy(*order_by)
        return frame.toArrow()

    def close(self) -> None:
        for frame in self._persisted:
            frame.unpersist()
        if self._own_session:
            self.spark.stop()


def spark_session(master: str | None = None) -> Any:
    """A Spark session: Spark Connect for ``sc://`` URLs, else a classic session on ``master``.

    The local default is deliberately small (one core, one shuffle partition, no UI); a cluster master
    keeps the cluster's own settings.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("openrvu-benchmarks")
    if master and master.startswith("sc://"):
        return builder.remote(master).getOrCreate()
    if master and not master.startswith("local"):
        return builder.master(master).getOrCreate()
    # Local mode: the work is small, so per-query overheads dominate. One shuffle partition, no adaptive
    # re-planning, no whole-stage code generation (its compile time exceeds the run time here), and a JVM
    # that does not spend cores on optimising JIT compilation.
    return (
        builder.master(master or "local[1]")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
