"""``openrvu benchmarks build``: public use file CSV -> Parquet -> SQL on an engine -> small benchmark tables.

Everything is built in a fresh folder under ``<benchmarks_dir>/builds``; only when the whole build has
succeeded does ``<benchmarks_dir>/<year>`` (a symbolic link) switch to it, in one atomic rename. A bad file
therefore leaves the tables in use untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from openrvu.benchmarks.categories import CATEGORY_SOURCE, category_name, em_family_rows
from openrvu.benchmarks.engine import STEPS, DuckDBEngine, Engine, SparkEngine
from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.inputs import InputFile, check_provider_service_file
from openrvu.benchmarks.meta import BuildMeta
from openrvu.benchmarks.rvus import CodeWork
from openrvu.benchmarks.schema import BUILD_COLUMNS

STORE_NAME = "benchmarks.sqlite"
# Parquet column names of the converted input (what the SQL calls them) for each CMS column used.
INPUT_NAMES: dict[str, str] = {
    "Rndrng_NPI": "npi",
    "Rndrng_Prvdr_Ent_Cd": "entity",
    "Rndrng_Prvdr_Type": "specialty",
    "HCPCS_Cd": "hcpcs",
    "Place_Of_Srvc": "pos",
    "Tot_Benes": "benes",
    "Tot_Srvcs": "srvcs",
}


@dataclass
class BuildResult:
    path: Path  # the folder the year's link now points to
    meta: BuildMeta
    # Wall seconds of each stage (``<stage>_s``) and CPU seconds of this process in it, all threads
    # (``<stage>_cpu_s``; DuckDB's threads, not a Spark JVM's): csv_to_parquet, sql (and ``step.<name>``
    # for each SQL step), write.
    timings: dict[str, float] = field(default_factory=dict)


class _Stopwatch:
    """Wall and process CPU time of a stage, added to ``timings`` (CPU shows the cost on a shared machine)."""

    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self.timings = timings
        self.stage = stage

    def __enter__(self) -> _Stopwatch:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.timings[f"{self.stage}_s"] = time.perf_counter() - self.wall
        self.timings[f"{self.stage}_cpu_s"] = time.process_time() - self.cpu


def build(
    files: Sequence[Path],
    *,
    work: dict[str, CodeWork],
    release: str,
    benchmarks_dir: Path,
    year: int | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    spark_session: Any = None,
    threads: int | None = None,
    memory_limit: str = "2GB",
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the benchmark tables of one data year from its by Provider and Service file(s)."""
    say = progress or (lambda _msg: None)
    if not files:
        raise BenchmarkInputError("(no files)", "give at least one by Provider and Service CSV file")
    checked = [check_provider_service_file(Path(f), year) for f in files]
    years = {f.year for f in checked}
    if len(years) != 1:
        raise BenchmarkInputError(checked[0].path, f"the files hold different data years: {sorted(years)}")
    data_year = years.pop()
    synthetic = {f.synthetic for f in checked}
    if len(synthetic) != 1:
        raise BenchmarkInputError(checked[0].path, "synthetic and real files cannot be mixed in one build")
    if not work:
        raise BenchmarkInputError("(release)", f"release {release} has no work RVUs")

    benchmarks_dir.mkdir(parents=True, exist_ok=True)
    builds = benchmarks_dir / "builds"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    tmp = builds / f".tmp-{data_year}-{stamp}"
    tmp.mkdir(parents=True)
    timings: dict[str, float] = {}
    try:
        with _Stopwatch(timings, "csv_to_parquet"):
            parquet = convert_to_parquet(checked, tmp, threads=threads, memory_limit=memory_limit, say=say)
        meta = BuildMeta(
            data_year=data_year,
            release=release,
            synthetic=synthetic.pop(),
            engine=engine,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            inputs=[f.describe() for f in checked],
            category_source=CATEGORY_SOURCE,
        )
        with _Stopwatch(timings, "sql"):
            eng: Engine
            if engine == "duckdb":
                eng = DuckDBEngine(tmp, threads=threads, memory_limit=memory_limit)
            elif engine == "spark":
                eng = SparkEngine(tmp, master=spark_master, session=spark_session)
            else:
                raise BenchmarkInputError(
                    "(engine)", f"unknown engine {engine!r}", expected="duckdb or spark"
                )
            try:
                outputs = run_steps(eng, parquet, work, category_name, say=say, timings=timings)
            finally:
                eng.close()
        with _Stopwatch(timings, "write"):
            _fill_meta(meta, outputs.pop("input_summary"))
            if meta.providers == 0:
                raise BenchmarkInputError(checked[0].path, "no rows to build from")
            write_outputs(tmp, outputs, meta)
        for leftover in ("work.duckdb", "work.duckdb.wal", "spill", "spark-steps", "spark-inputs"):
            target = tmp / leftover
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        final = builds / f"{data_year}-{stamp}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap_link(benchmarks_dir / str(data_year), final)
    say(f"built {meta.label}")
    return BuildResult(final, meta, timings)


# Rows per Arrow batch from the CSV reader, and so per Parquet row group.
_BATCH_ROWS = 1_000_000
# Dictionary-encode the few-valued text columns only: trying it on the million NPIs costs time for nothing.
_DICTIONARY_COLUMNS = ["entity", "specialty", "hcpcs", "pos"]


def convert_to_parquet(
    checked: list[InputFile], tmp: Path, *, threads: int | None, memory_limit: str, say: Callable[[str], None]
) -> list[Path]:
    """CSV -> Parquet (typed, only the columns used); a bad value names its file and line.

    DuckDB parses the CSV on its threads and streams Arrow batches that pyarrow writes (snappy, decimals as
    integers): on the 10-million-line year this costs about a third less CPU than DuckDB's own ZSTD
    ``COPY ... TO``, which dictionary-encodes every column.
    """
    import duckdb

    out: list[Path] = []
    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        for number, item in enumerate(checked):
            say(f"converting {item.path.name} to Parquet")
            target = tmp / f"services-{number}.parquet"
            types = {name: BUILD_COLUMNS.get(name, "VARCHAR") for name in item.header}
            columns = "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in types.items()) + "}"
            select = ", ".join(f'"{cms}" AS {name}' for cms, name in INPUT_NAMES.items())
            source = (
                f"read_csv({_lit(str(item.path))}, header = true, auto_detect = false, delim = ',', "
                f"quote = '\"', escape = '\"', columns = {columns}, strict_mode = true, null_padding = false)"
            )
            try:
                count = _write_parquet(
                    con.sql(f"SELECT {select} FROM {source}").to_arrow_reader(_BATCH_ROWS), target
                )
            except (duckdb.Error, _ReadError) as exc:
                message, line, column = _explain(str(exc))
                raise BenchmarkInputError(item.path, message, line=line, column=column) from exc
            if item.expected_rows is not None and count != item.expected_rows:
                raise BenchmarkInputError(
                    item.path, f"truncated or changed: {count} rows, expected {item.expected_rows}"
                )
            if count == 0:
                raise BenchmarkInputError(item.path, "no data rows after the header", line=2)
            out.append(target)
    finally:
        con.close()
    return out


class _ReadError(Exception):
    """The CSV reader failed in the middle of the stream (DuckDB's error, passed on by Arrow as OSError)."""


def _write_parquet(reader: pa.RecordBatchReader, target: Path) -> int:
    """Write the batches to one Parquet file; the number of rows written."""
    count = 0
    batches = iter(reader)
    with pq.ParquetWriter(
        target,
        reader.schema,
        compression="snappy",
        use_dictionary=_DICTIONARY_COLUMNS,
        store_decimal_as_integer=True,
    ) as writer:
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except OSError as exc:  # only the reader's errors: a failed write is not a bad input file
                raise _ReadError(str(exc)) from exc
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def run_steps(
    eng: Engine,
    parquet: list[Path],
    work: dict[str, CodeWork],
    category_of: Callable[[str], str],
    *,
    say: Callable[[str], None] = lambda _m: None,
    timings: dict[str, float] | None = None,
) -> dict[str, pa.Table]:
    """Register the inputs and run every SQL step; return the output tables (sorted, engine-independent).

    With ``timings``, each step's wall and CPU seconds are added to it as ``step.<name>_s``/``_cpu_s``.
    """
    clocks: dict[str, float] = {} if timings is None else timings
    eng.register_parquet("services", parquet)
    codes = sorted(work)
    eng.register_arrow(
        "rvus",
        pa.table(
            {
                "hcpcs": pa.array(codes, pa.string()),
                "work_rvu": pa.array([work[c].work_rvu for c in codes], pa.decimal128(7, 2)),
            }
        ),
    )
    eng.register_arrow(
        "categories",
        pa.table(
            {"hcpcs": pa.array(codes, pa.string()), "category": pa.array([category_of(c) for c in codes])}
        ),
    )
    em = em_family_rows()
    eng.register_arrow(
        "em_codes",
        pa.table(
            {
                "hcpcs": [r[0] for r in em],
                "family": [r[1] for r in em],
                "family_name": [r[2] for r in em],
                "level": pa.array([r[3] for r in em], pa.int32()),
            }
        ),
    )
    eng.register_arrow("percentiles", pa.table({"p": pa.array(range(101), pa.int32())}))
    outputs: dict[str, pa.Table] = {}
    for step in STEPS:
        say(f"{eng.name}: {step.name}")
        with _Stopwatch(clocks, f"step.{step.name}"):
            eng.run(step)
            if step.output:
                outputs[step.name] = eng.fetch(step.name, step.order_by)
    return outputs


def _fill_meta(meta: BuildMeta, summary: pa.Table) -> None:
    row = summary.to_pylist()[0]
    meta.lines = int(row["lines"] or 0)
    meta.providers = int(row["providers"] or 0)
    meta.services = float(row["services"] or 0)
    meta.zero_wrvu_services = float(row["zero_wrvu_services"] or 0)
    meta.total_wrvu = float(row["total_wrvu"] or 0)


def write_outputs(folder: Path, outputs: dict[str, pa.Table], meta: BuildMeta) -> None:
    """Each output as Parquet (with the build facts in its metadata) and all of them in one SQLite file."""
    facts = json.dumps(meta.to_dict(), sort_keys=True)
    tables = folder / "tables"
    tables.mkdir()
    con = sqlite3.connect(folder / STORE_NAME)
    try:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute("INSERT INTO meta VALUES ('build', ?)", (facts,))
        con.execute("INSERT INTO meta VALUES ('caveats', ?)", (json.dumps(meta.caveats()),))
        for name, table in outputs.items():
            pq.write_table(
                table.replace_schema_metadata({b"openrvu": facts.encode()}), tables / f"{name}.parquet"
            )
            _to_sqlite(con, name, table)
        for statement in _INDEXES:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


_INDEXES = (
    "CREATE INDEX ix_quantiles ON specialty_quantiles (specialty, wrvu)",
    "CREATE UNIQUE INDEX ix_summary ON specialty_summary (specialty)",
    "CREATE INDEX ix_em ON em_mix (specialty, family)",
    "CREATE UNIQUE INDEX ix_code ON code_stats (hcpcs)",
    "CREATE INDEX ix_code_spec ON code_specialties (hcpcs)",
    "CREATE UNIQUE INDEX ix_cat ON category_stats (category)",
    "CREATE INDEX ix_cat_spec ON category_specialties (category)",
)


def _to_sqlite(con: sqlite3.Connection, name: str, table: pa.Table) -> None:
    columns = []
    for fld in table.schema:
        if pa.types.is_integer(fld.type):
            kind = "INTEGER"
        elif pa.types.is_decimal(fld.type) or pa.types.is_floating(fld.type):
            kind = "REAL"
        else:
            kind = "TEXT"
        columns.append(f'"{fld.name}" {kind}')
    con.execute(f'CREATE TABLE "{name}" ({", ".join(columns)})')
    marks = ", ".join("?" for _ in table.schema)
    rows = (
        tuple(float(v) if isinstance(v, Decimal) else v for v in row.values())
        for batch in table.to_batches()
        for row in batch.to_pylist()
    )
    con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)


def _swap_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically, then remove the build it pointed at before."""
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise BenchmarkInputError(link, "is not a link made by openrvu; move it away and build again")
    staging = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
    staging.symlink_to(os.path.relpath(target, link.parent))
    os.replace(staging, link)
    if previous is not None and previous != target.resolve() and previous.is_dir():
        shutil.rmtree(previous, ignore_errors=True)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_LINE = re.compile(r"Line: (\d+)")
_CONVERT = re.compile(r'converting column "([^"]+)"\. Could not convert string "([^"]*)" to \'([^\']+)\'')


def _explain(message: str) -> tuple[str, int | None, str | None]:
    """DuckDB's CSV error as (what is wrong, line, column), without its advice on sniffing options."""
    line_match = _LINE.search(message)
    line = int(line_match.group(1)) if line_match else None
    convert = _CONVERT.search(message)
    if convert:
        column, value, kind = convert.groups()
        return f"cannot read {value!r} as a number ({kind})", line, column
    first = message.strip().splitlines()[0] if message.strip() else "unreadable CSV"
    details = [t.strip() for t in message.splitlines() if t.strip().startswith(("Expected Number", "Found"))]
    return " ".join([first, *details]), line, None
