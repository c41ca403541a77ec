"""Bulk repricing: 1,000,000 SYNTHETIC claim lines CSV -> CSV, against a per-row Python loop.

The lines are synthetic (real codes and localities, random encounters of 1-6 lines, 1% rare payment
modifiers, 0.2% deliberate errors), written to a file named ``synthetic_claims.csv``. The repricing runs
in a child process (``openrvu.cli.pricing.reprice_file``, as ``openrvu reprice`` does), five times: the
first run also builds the pricing-array cache from the reference database, the next three read it (all
with the default number of processes: 2 unless every core is busy; their median is the figure), the
last runs in one process (``OPENRVU_WORKERS=1``) for comparison. Each run writes a file of its own, as
a user's runs would (replacing a 100 MB file written a second before costs ~0.2 s on this machine's
ext4, waiting on the old file's pages: the file system's time, not the repricing's); the files must be
identical. CPU seconds count every process: the machine is shared, so wall time alone says little.
Peak memory is the child's maximum RSS, and its worker's. The baseline is the straightforward per-row
loop (``reprice_records``: each line through the Decimal engine, lookups cached), measured in the same
run on the first lines and extrapolated (said so in the output).
``OPENRVU_BENCH_QUICK=1`` uses 20,000 lines.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

WARM_RUNS = 3  # the machine is shared: one run says little, the median of three a bit more

_CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from openrvu.cli.pricing import reprice_file
from openrvu.pricing.bulk_chunks import default_workers
from openrvu.pricing.contract import DEFAULT_CONTRACT
from openrvu.pricing.service import PricingService
from openrvu.reference.db import ReferenceDB
ref, src, dst, cache = (Path(p) for p in sys.argv[1:5])
size = int(sys.argv[5])
def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
runs = []
plan = ("", *[""] * int(sys.argv[6]), "1")  # cold, the warm runs, one process
for run, workers in enumerate(plan):
    os.environ["OPENRVU_WORKERS"] = workers
    used = default_workers(size)  # before the run: the default reads the load average
    out = dst.with_name(f"{dst.stem}-{run}.csv")
    started, cpu0 = time.perf_counter(), cpu()
    counts = reprice_file(PricingService(ReferenceDB(ref)), src, out, DEFAULT_CONTRACT, cache)
    runs.append({"wall": time.perf_counter() - started, "cpu": cpu() - cpu0, "workers": used})
texts = {dst.with_name(f"{dst.stem}-{run}.csv").read_bytes() for run in range(len(plan))}
print(json.dumps({"runs": runs, "counts": counts, "same_text": len(texts) == 1,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def main() -> None:
    from openrvu.pricing.contract import DEFAULT_CONTRACT
    from openrvu.pricing.records import reprice_records
    from openrvu.pricing.service import PricingService
    from openrvu.pricing.synthetic import COLUMNS, iter_synthetic_rows
    from openrvu.reference.build import ingest
    from openrvu.reference.db import ReferenceDB
    from openrvu.settings import load_settings

    quick = os.environ.get("OPENRVU_BENCH_QUICK") == "1"
    size = 20_000 if quick else 1_000_000
    base_size = 2_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ref = load_settings().reference_db
        if not ref.exists():
            ref = work / "reference.sqlite"
            ingest(ref, [load_settings().cms_dir])
        db = ReferenceDB(ref)
        src = work / "synthetic_claims.csv"
        with src.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            writer.writerows(iter_synthetic_rows(db, "RVU25D", size, seed=7))
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                str(ref),
                str(src),
                str(work / "synthetic_repriced.csv"),
                str(work / "cache"),
                str(size),
                str(WARM_RUNS),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        with src.open(newline="") as handle:
            subset = list(islice(csv.DictReader(handle), base_size))
        baseline = PricingService(db)
        reprice_records(baseline, subset, DEFAULT_CONTRACT)  # warm its lookups: a fair baseline
        started = time.perf_counter()
        reprice_records(baseline, subset, DEFAULT_CONTRACT)
        slow = time.perf_counter() - started
        db.close()
    cold, *warms, single = result["runs"]
    warm = sorted(warms, key=lambda r: r["wall"])[len(warms) // 2]  # the median run
    counts = result["counts"]
    fast_rate, slow_rate = size / warm["wall"], base_size / slow
    print(f"SYNTHETIC lines: {size:,} (real codes and localities, random encounters of 1-6 lines)")
    print(
        f"reprice CSV->CSV, first run (also builds the pricing-array cache): {cold['wall']:.2f} s = "
        f"{size / cold['wall']:,.0f} lines/s, CPU {cold['cpu']:.2f} s"
    )
    walls = ", ".join(f"{r['wall']:.2f}" for r in warms)
    print(
        f"reprice CSV->CSV, cache warm, {warm['workers']} process(es), median of {len(warms)} runs "
        f"({walls} s): {warm['wall']:.2f} s = "
        f"{fast_rate:,.0f} lines/s end to end, CPU {warm['cpu']:.2f} s (all processes) = "
        f"{size / warm['cpu']:,.0f} lines per CPU second ({counts['vectorized']:,} lines vectorized, "
        f"{counts['engine']:,} through the engine, of which {counts['errors']:,} with an error)"
    )
    print(
        f"reprice CSV->CSV, cache warm, 1 process (OPENRVU_WORKERS=1): {single['wall']:.2f} s = "
        f"{size / single['wall']:,.0f} lines/s, CPU {single['cpu']:.2f} s; wall time 1 process / "
        f"{warm['workers']} process(es): {single['wall'] / warm['wall']:.2f}"
    )
    if not result["same_text"]:
        raise SystemExit("the runs wrote different files")
    print(
        f"peak RSS: repricing process {result['peak_mb']:,.0f} MB, its largest worker process "
        f"{result['child_peak_mb']:,.0f} MB"
    )
    print(
        f"per-row Python loop baseline (reprice_records, lookups cached): {slow_rate:,.0f} lines/s, "
        f"measured on "
        f"the first {base_size:,} lines and extrapolated: {size / slow_rate:.1f} s for {size:,}"
    )
    print(
        f"speed-up vs per-row loop: {fast_rate / slow_rate:.1f}x (targets: >= 10x and >= 500,000 lines/s); "
        f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
