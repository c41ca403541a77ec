"""Fixtures of the national benchmarks: a synthetic by Provider and Service file from the real 2025 release,
and benchmark tables built from it once per session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from openrvu.benchmarks.build import BuildResult, build
from openrvu.benchmarks.rvus import CodeWork, release_work
from openrvu.benchmarks.synth import CodeFacts, SynthResult, code_facts, generate

SYNTH_PROVIDERS = 3000
SYNTH_SEED = 7


@dataclass(frozen=True)
class BenchRelease:
    name: str
    work: dict[str, CodeWork]
    facts: dict[str, CodeFacts]


@pytest.fixture(scope="session")
def bench_release(reference) -> BenchRelease:  # type: ignore[no-untyped-def]
    """The 2025 PFS release of the real CMS files: credited work per code and fee schedule facts."""
    name, work = release_work(reference, 2025)
    return BenchRelease(name, work, code_facts(reference.iter_rvu(name)))


@pytest.fixture(scope="session")
def synth_csv(tmp_path_factory: pytest.TempPathFactory, bench_release: BenchRelease) -> SynthResult:
    """A small synthetic year (3,000 providers), generated once per session."""
    folder = tmp_path_factory.mktemp("synth")
    return generate(
        folder,
        providers=SYNTH_PROVIDERS,
        year=2025,
        facts=bench_release.facts,
        release=bench_release.name,
        seed=SYNTH_SEED,
    )


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory, synth_csv: SynthResult, bench_release: BenchRelease
) -> BuildResult:
    """Benchmark tables built with DuckDB from the synthetic year, once per session."""
    return build(
        [synth_csv.path],
        work=bench_release.work,
        release=bench_release.name,
        benchmarks_dir=tmp_path_factory.mktemp("benchmarks"),
        threads=1,
    )
