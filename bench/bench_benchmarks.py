"""National benchmarks at scale: build a synthetic year (10 million lines, 1.1 million providers) with DuckDB,
against pandas doing the same aggregation in the same run; and one clinician's percentile query.

Each measured phase runs in its own freshly spawned process, so its peak memory (``ru_maxrss``: Python,
numpy, DuckDB and Arrow together) is its own. ``OPENRVU_BENCH_QUICK=1`` uses 5,000 providers.
Targets (2-core machine): build under 60 s, peak memory under 4 GB, percentile query under 10 ms.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

FULL_PROVIDERS = 1_100_000
QUICK_PROVIDERS = 5_000
DUCKDB_MEMORY = "3GB"
THREADS = 2


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process (all threads): the machine is shared, so wall time alone misleads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _release(reference_path: Path) -> tuple[str, dict[str, Any]]:
    from openrvu.benchmarks.rvus import release_work
    from openrvu.reference.db import ReferenceDB

    with ReferenceDB(reference_path) as db:
        name, work = release_work(db, 2025)
    return name, work


def _generate(reference_path: Path, out: Path, providers: int) -> dict[str, Any]:
    from openrvu.benchmarks.rvus import release_work
    from openrvu.benchmarks.synth import code_facts, generate
    from openrvu.reference.db import ReferenceDB

    started = time.perf_counter()
    with ReferenceDB(reference_path) as db:
        name, _ = release_work(db, 2025)
        facts = code_facts(db.iter_rvu(name))
    made = generate(out, providers=providers, year=2025, facts=facts, release=name, seed=2025)
    return {
        "seconds": time.perf_counter() - started,
        "rows": made.rows,
        "providers": made.providers,
        "bytes": made.path.stat().st_size,
        "path": str(made.path),
        "peak_mb": _peak_mb(),
    }


def _build(reference_path: Path, csv_path: Path, bench_dir: Path) -> dict[str, Any]:
    from openrvu.benchmarks.build import build

    name, work = _release(reference_path)
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu_s()
    result = build(
        [csv_path],
        work=work,
        release=name,
        benchmarks_dir=bench_dir,
        threads=THREADS,
        memory_limit=DUCKDB_MEMORY,
    )
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": _cpu_s() - cpu,
        "load": os.getloadavg()[0],
        "load_before": load_before,
        "timings": result.timings,
        "providers": result.meta.providers,
        "lines": result.meta.lines,
        "path": str(result.path),
        "peak_mb": _peak_mb(),
    }


def _pandas(reference_path: Path, csv_path: Path) -> dict[str, Any]:
    """The same aggregation with pandas: provider wRVUs -> per-specialty nearest-rank percentiles, E/M mix,
    per-code services/providers/median provider volume."""
    import numpy as np
    import pandas as pd

    _name, work = _release(reference_path)
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu_s()
    frame = pd.read_csv(
        csv_path,
        usecols=["Rndrng_NPI", "Rndrng_Prvdr_Ent_Cd", "Rndrng_Prvdr_Type", "HCPCS_Cd", "Tot_Srvcs"],
        dtype={
            "Rndrng_NPI": "string",
            "Rndrng_Prvdr_Ent_Cd": "category",
            "Rndrng_Prvdr_Type": "category",
            "HCPCS_Cd": "category",
            "Tot_Srvcs": "float64",
        },
        engine="pyarrow",
    )
    rvus = pd.Series({code: float(w.work_rvu) for code, w in work.items()}, name="work")
    frame["wrvu"] = frame["Tot_Srvcs"] * frame["HCPCS_Cd"].astype(str).map(rvus).fillna(0.0)
    people = frame[frame["Rndrng_Prvdr_Ent_Cd"] == "I"]
    per_provider = people.groupby(["Rndrng_Prvdr_Type", "Rndrng_NPI"], observed=True)["wrvu"].sum()
    per_provider = per_provider[per_provider > 0].reset_index()
    quantiles: dict[str, list[float]] = {}
    for spec, group in per_provider.groupby("Rndrng_Prvdr_Type", observed=True):
        values = np.sort(group["wrvu"].to_numpy())
        ranks = np.maximum(1, np.ceil(np.arange(101) * len(values) / 100).astype(int))
        quantiles[str(spec)] = list(np.round(values[ranks - 1], 2))
    em = people[people["HCPCS_Cd"].astype(str).str.match(r"^99(2[0-3]|28)\d$")]
    em.groupby(["Rndrng_Prvdr_Type", "HCPCS_Cd"], observed=True)["Tot_Srvcs"].sum()
    code_provider = frame.groupby(["HCPCS_Cd", "Rndrng_NPI"], observed=True)["Tot_Srvcs"].sum().reset_index()
    code_provider.groupby("HCPCS_Cd", observed=True)["Tot_Srvcs"].agg(["sum", "count", "median"])
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": _cpu_s() - cpu,
        "load": os.getloadavg()[0],
        "load_before": load_before,
        "p50": {k: v[50] for k, v in quantiles.items()},
        "peak_mb": _peak_mb(),
    }


def _query(build_path: Path) -> dict[str, Any]:
    import duckdb

    from openrvu.benchmarks.build import STORE_NAME
    from openrvu.benchmarks.store import BenchmarkStore

    started = time.perf_counter()
    store = BenchmarkStore(build_path / STORE_NAME)
    first = store.percentile_of("Internal Medicine", 2500.0)
    cold_ms = (time.perf_counter() - started) * 1000
    samples = []
    for i in range(2000):
        t = time.perf_counter()
        store.percentile_of("Internal Medicine", 500.0 + i * 3.7)
        samples.append((time.perf_counter() - t) * 1000)
    quantile_p50 = {s: store.summary(s)["p50"] for s in store.specialties()}
    store.close()
    # Baseline: the same percentile straight from the converted lines, without the prebuilt table.
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    parquet = str(build_path / "services-0.parquet")
    if not Path(parquet).exists():
        parquet = str(next(build_path.glob("services-*.parquet")))
    t = time.perf_counter()
    con.execute(
        "SELECT 100.0 * COUNT(*) FILTER (WHERE w <= 2500) / COUNT(*) FROM (SELECT npi, SUM(srvcs) AS w "
        f"FROM read_parquet('{parquet}') WHERE specialty = 'Internal Medicine' GROUP BY npi)"
    ).fetchone()
    scan_ms = (time.perf_counter() - t) * 1000
    con.close()
    samples.sort()
    return {
        "first": first,
        "cold_ms": cold_ms,
        "p50_ms": statistics.median(samples),
        "p99_ms": samples[int(len(samples) * 0.99)],
        "scan_ms": scan_ms,
        "quantile_p50": quantile_p50,
    }


def _stages(timings: dict[str, float]) -> str:
    """The build's stages and SQL steps as 'name wall/CPU s', the costliest steps first."""
    stages = [k[: -len("_cpu_s")] for k in timings if k.endswith("_cpu_s")]
    main = [s for s in stages if not s.startswith("step.")]
    steps = sorted((s for s in stages if s.startswith("step.")), key=lambda s: -timings[f"{s}_cpu_s"])

    def show(names: list[str]) -> str:
        return ", ".join(
            f"{n.removeprefix('step.')} {timings[n + '_s']:.1f}/{timings[n + '_cpu_s']:.1f}" for n in names
        )

    return f"  stages, wall/CPU s: {show(main)}\n  SQL steps, wall/CPU s: {show(steps)}"


def _child(target: str, args: tuple[Any, ...], queue: Any) -> None:
    queue.put(globals()[target](*args))


def _run(target: str, *args: Any) -> dict[str, Any]:
    """Run one phase in a fresh process (spawned, so it inherits no memory) and return its figures."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{target} failed with exit code {proc.exitcode}")
    return dict(result)


def _reference(tmp: Path) -> Path:
    from openrvu.settings import load_settings

    settings = load_settings()
    if settings.reference_db.exists():
        from openrvu.reference.db import ReferenceDB

        with ReferenceDB(settings.reference_db) as db:
            if any(r.year == 2025 for r in db.releases()):
                return settings.reference_db
    from openrvu.reference.build import ingest

    path = tmp / "reference.sqlite"
    ingest(path, [settings.cms_dir])
    return path


def main() -> None:
    quick = os.environ.get("OPENRVU_BENCH_QUICK") == "1"
    providers = QUICK_PROVIDERS if quick else FULL_PROVIDERS
    tmp = Path(tempfile.mkdtemp(prefix="openrvu-bench-benchmarks-"))
    try:
        reference = _reference(tmp)
        made = _run("_generate", reference, tmp / "synth", providers)
        print(
            f"synthetic year: {made['rows']:,} lines, {made['providers']:,} providers, "
            f"{made['bytes'] / 1e9:.2f} GB CSV, generated in {made['seconds']:.1f} s "
            f"(peak {made['peak_mb']:,.0f} MB)",
            flush=True,
        )
        csv_path = Path(made["path"])
        built = _run("_build", reference, csv_path, tmp / "benchmarks")
        print(
            f"DuckDB build ({THREADS} threads, memory_limit {DUCKDB_MEMORY}): {built['seconds']:.1f} s, "
            f"CPU {built['cpu_s']:.1f} s, peak RSS {built['peak_mb']:,.0f} MB, "
            f"1-min load average {built['load_before']:.1f} before, {built['load']:.1f} after "
            "(targets: < 60 s, < 4,096 MB)",
            flush=True,
        )
        print(_stages(built["timings"]), flush=True)
        panda = _run("_pandas", reference, csv_path)
        print(
            f"pandas, same aggregation from the same CSV: {panda['seconds']:.1f} s, "
            f"CPU {panda['cpu_s']:.1f} s, peak RSS {panda['peak_mb']:,.0f} MB, "
            f"load {panda['load_before']:.1f} before, {panda['load']:.1f} after",
            flush=True,
        )
        print(
            f"ratio pandas/DuckDB: time {panda['seconds'] / built['seconds']:.2f}x, "
            f"CPU {panda['cpu_s'] / built['cpu_s']:.2f}x, "
            f"peak memory {panda['peak_mb'] / built['peak_mb']:.2f}x",
            flush=True,
        )
        query = _run("_query", Path(built["path"]))
        agree = all(
            abs(query["quantile_p50"][spec] - value) < 0.006 for spec, value in panda["p50"].items()
        ) and set(query["quantile_p50"]) == set(panda["p50"])
        print(
            f"percentile query (one clinician, prebuilt table): p50 {query['p50_ms']:.3f} ms, "
            f"p99 {query['p99_ms']:.3f} ms, cold open+query {query['cold_ms']:.1f} ms (target < 10 ms); "
            f"baseline from the lines {query['scan_ms']:.1f} ms "
            f"= {query['scan_ms'] / query['p50_ms']:,.0f}x slower",
            flush=True,
        )
        print(f"pandas and DuckDB medians per specialty agree: {agree}", flush=True)
        if not agree:
            raise RuntimeError("pandas and DuckDB disagree on the specialty medians")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
