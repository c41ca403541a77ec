"""Run every benchmark module (``python -m bench [AREA...]``).

``OPENRVU_BENCH_QUICK=1`` makes each module use small sizes, for the smoke test that keeps them working.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def modules(selected: list[str]) -> list[str]:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    return names


def run(selected: list[str]) -> int:
    failures = 0
    for name in modules(selected):
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
