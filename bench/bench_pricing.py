"""Bulk repricing: 1,000,000 SYNTHETIC claim lines CSV -> CSV, against a per-row Python loop.

The lines are synthetic (real codes and localities, random encounters of 1-6 lines), written to a
file labelled synthetic. The baseline is the straightforward per-row loop (``reprice_records``: one
line at a time through the Decimal engine), measured in the same run on a subset and extrapolated
(said so in the output). ``OPENRVU_BENCH_QUICK=1`` uses 20,000 lines.
"""

from __future__ import annotations

import csv
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    from openrvu.cli.pricing import reprice_file
    from openrvu.pricing.contract import DEFAULT_CONTRACT
    from openrvu.pricing.records import reprice_records
    from openrvu.pricing.service import PricingService
    from openrvu.pricing.synthetic import COLUMNS, synthetic_rows
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
        rows = synthetic_rows(db, "RVU25D", size, seed=7)
        src = work / "synthetic_claims.csv"
        with src.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        service = PricingService(db)
        started = time.perf_counter()
        counts = reprice_file(service, src, work / "synthetic_repriced.csv", DEFAULT_CONTRACT, work / "cache")
        cold = time.perf_counter() - started
        started = time.perf_counter()
        counts = reprice_file(service, src, work / "synthetic_repriced.csv", DEFAULT_CONTRACT, work / "cache")
        fast = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        subset = rows[:base_size]
        baseline_service = PricingService(db)
        reprice_records(baseline_service, subset, DEFAULT_CONTRACT)  # warm its lookups: a fair baseline
        started = time.perf_counter()
        reprice_records(baseline_service, subset, DEFAULT_CONTRACT)
        slow = time.perf_counter() - started
        db.close()
    fast_rate = size / fast
    slow_rate = base_size / slow
    print(f"SYNTHETIC lines: {size:,} (real codes/localities, random encounters of 1-6 lines)")
    print(f"first run (also builds the pricing-array cache): {cold:.2f} s = {size / cold:,.0f} lines/s")
    print(
        f"vectorized reprice CSV->CSV, warm: {fast:.2f} s = {fast_rate:,.0f} lines/s end to end "
        f"({counts['vectorized']:,} vectorized, {counts['engine']:,} through the engine, "
        f"{counts['errors']:,} with an error); peak RSS {peak_mb:,.0f} MB"
    )
    print(
        f"per-row Python loop baseline (reprice_records, lookups cached): {slow_rate:,.0f} lines/s, measured "
        f"on the first {base_size:,} lines and extrapolated: {size / slow_rate:.1f} s for {size:,}"
    )
    print(
        f"speed-up vs per-row loop: {fast_rate / slow_rate:.1f}x (targets: >= 10x and >= 500,000 lines/s; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
