"""Run the benchmark SQL files on DuckDB (embedded, default) or Spark (local mode or a cluster).

The SQL lives in ``sql/*.sql`` and is the same text for both engines: it is written in the subset both
understand (CTEs, window functions, CAST to DECIMAL/DOUBLE/BIGINT, FLOOR, ROUND, COALESCE, IS NOT DISTINCT
FROM). Only ``code_provider`` reads every line; the steps after it read it or smaller tables. The only
per-engine code is here: how an input is registered as a named table, how a step is materialised, and how
a result comes back as an Arrow table.
"""

from __future__ import annotations

import os
import re
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import pyarrow as pa

from openrvu.benchmarks.errors import BenchmarkInputError

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Step:
    """One SQL file: its name is also the name of the table or view it creates."""

    name: str
    materialize: bool  # False: a view, recomputed where used
    output: bool  # written to the benchmark tables
    order_by: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("code_ids", materialize=True, output=False),
    Step("specialty_ids", materialize=True, output=False),
    Step("code_provider", materialize=True, output=False),
    Step("provider_totals", materialize=True, output=False),
    Step("code_volumes", materialize=True, output=False),
    Step("code_totals", materialize=True, output=False),
    Step("input_summary", materialize=True, output=True),
    Step("provider_wrvu", materialize=True, output=False),
    Step("specialty_quantiles", materialize=True, output=True, order_by=("specialty", "pct")),
    Step("specialty_summary", materialize=True, output=True, order_by=("specialty",)),
    Step("em_mix", materialize=True, output=True, order_by=("specialty", "family", "level")),
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
    """The same SQL on Spark: local mode by default, ``master`` for a cluster, ``sc://`` for Spark Connect.

    With a cluster, the driver (or the Connect server) and every executor read the Parquet files of the
    build folder by their paths: one machine shares them; several machines need that folder on a
    filesystem they all mount at the same path. A file Spark cannot read is reported as such.
    """

    name = "spark"

    def __init__(self, workdir: Path, *, master: str | None = None, session: Any = None) -> None:
        self.workdir = workdir
        self._own_session = session is None
        self.spark = session if session is not None else spark_session(master)
        self._persisted: list[Any] = []
        self._inputs: list[Path] = []

    def register_parquet(self, name: str, paths: list[Path]) -> None:
        self._inputs.extend(paths)
        with self._reading():
            self.spark.read.parquet(*[str(p) for p in paths]).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        # Through a Parquet file, so decimals and integers keep their exact types on the way in.
        import pyarrow.parquet as pq

        path = self.workdir / "spark-inputs" / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        self._inputs.append(path)
        with self._reading():
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def run(self, step: Step) -> None:
        from pyspark import StorageLevel

        with self._reading():
            frame = self.spark.sql(step_sql(step.name))
            if step.materialize:
                # Cached (memory, then local disk) by the first query that reads it; later steps reuse it.
                frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
                self._persisted.append(frame)
            frame.createOrReplaceTempView(step.name)

    def fetch(self, name: str, order_by: tuple[str, ...]) -> pa.Table:
        with self._reading():
            frame = self.spark.table(name)
            if order_by:
                frame = frame.orderBy(*order_by)
            return frame.toArrow()

    def close(self) -> None:
        for frame in self._persisted:
            frame.unpersist()
        if self._own_session:
            self.spark.stop()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn Spark's "file does not exist" (from the driver, the Connect server or an executor) for one
        of our inputs into a BenchmarkInputError that says why a cluster may not see it."""
        try:
            yield
        except Exception as exc:
            unreadable = _unreadable_input(str(exc), self._inputs)
            if unreadable is None:
                raise
            raise BenchmarkInputError(
                unreadable,
                "Spark cannot read this file of the build folder. With a cluster master or a Spark Connect "
                "server, the driver and every executor read it by this path: on more than one machine, "
                "OPENRVU_HOME (which holds the build folder) must be on a filesystem every node mounts at "
                "the same path",
            ) from exc


# Spark's wordings of a missing or unreadable file (driver analysis, executor task, Hadoop FS).
_NOT_READABLE = re.compile(
    r"PATH_NOT_FOUND|FILE_NOT_EXIST|FileNotFoundException|does not exist|Permission denied|AccessDenied"
)


def _unreadable_input(message: str, inputs: list[Path]) -> Path | None:
    if not _NOT_READABLE.search(message):
        return None
    return next((p for p in inputs if str(p) in message), None)


def spark_session(master: str | None = None) -> Any:
    """A Spark session: Spark Connect for ``sc://`` URLs, a classic session on any other ``master``.

    The local default is deliberately small (one core, one shuffle partition, no UI); a cluster master or
    a Connect server keeps the cluster's own settings. For ``spark://`` and ``sc://`` URLs the server is
    checked first, so an unreachable one fails at once with a clear BenchmarkInputError instead of after
    Spark's own minute of retries.
    """
    connect = bool(master and master.startswith("sc://"))
    with warnings.catch_warnings():
        # pyspark warns, once per process when it loads its pandas helpers (and the Connect client), that
        # pandas >= 3 is not fully supported. The benchmarks give Spark Parquet and take Arrow back, never
        # pandas: load those modules here with that warning silenced, rather than alarm every user.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        import pyspark.testing.utils  # noqa: F401

        if connect:
            import pyspark.sql.connect.session  # noqa: F401
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.config("spark.sql.session.timeZone", "UTC")
    if master and connect:
        _check_reachable(master)
        # create(), not getOrCreate(): the latter hands back any session this process made before,
        # whatever its URL.
        return builder.remote(master).create()
    builder = builder.appName("openrvu-benchmarks").config("spark.ui.showConsoleProgress", "false")
    if master and not master.startswith("local"):
        if master.startswith("spark://"):
            _check_reachable(master)
        return builder.master(master).getOrCreate()
    # Local mode: the work is small, so per-query overheads dominate. One shuffle partition, no adaptive
    # re-planning, no whole-stage code generation (its compile time exceeds the run time here), and a JVM
    # that does not spend cores on optimising JIT compilation. None of this suits a cluster.
    return (
        builder.master(master or "local[1]")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )


SPARK_PORTS = {"spark": 7077, "sc": 15002}  # the default port of a standalone master, a Connect server
CONNECT_TIMEOUT_S = 5.0


def _check_reachable(master: str) -> None:
    """Raise BenchmarkInputError unless some host of ``master`` accepts a TCP connection.

    A standalone URL may list several masters (``spark://h1:7077,h2:7077``, high availability).
    """
    scheme, _, rest = master.partition("://")
    netloc = rest.split("/", 1)[0]
    kind = "Spark Connect server" if scheme == "sc" else "Spark master"
    expected = (
        "a running Spark standalone master (spark://HOST:7077) or Spark Connect server (sc://HOST:15002)"
    )
    failures = []
    for one in netloc.split(","):
        try:
            parts = urlsplit(f"//{one}")
            host, port = parts.hostname, parts.port or SPARK_PORTS[scheme]
        except ValueError:
            host, port = None, 0
        if not host:
            raise BenchmarkInputError(master, f"cannot read a host and port in {one!r}", expected=expected)
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
                return
        except OSError as exc:
            failures.append(f"{host}:{port}: {exc.strerror or exc}")
    raise BenchmarkInputError(master, f"no {kind} answers ({'; '.join(failures)})", expected=expected)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
