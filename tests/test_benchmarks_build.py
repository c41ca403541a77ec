"""The build: CSV -> Parquet -> SQL -> benchmark tables, checked against an independent computation from
the CSV; bad files leave the tables in use untouched."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from openrvu.benchmarks.build import STORE_NAME, build
from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.inputs import read_sidecar
from openrvu.benchmarks.meta import SYNTHETIC_LABEL
from openrvu.benchmarks.schema import PROVIDER_SERVICE_COLUMNS
from openrvu.benchmarks.store import BenchmarkStore


def _provider_wrvu(path: Path, work) -> dict[str, tuple[str, Decimal]]:  # type: ignore[no-untyped-def]
    """NPI -> (specialty, annual wRVU) for individuals, straight from the CSV with Decimal arithmetic."""
    out: dict[str, tuple[str, Decimal]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Rndrng_Prvdr_Ent_Cd"] != "I":
                continue
            credit = work[row["HCPCS_Cd"]].work_rvu if row["HCPCS_Cd"] in work else Decimal(0)
            spec, total = out.get(row["Rndrng_NPI"], (row["Rndrng_Prvdr_Type"], Decimal(0)))
            out[row["Rndrng_NPI"]] = (spec, total + Decimal(row["Tot_Srvcs"]) * credit)
    return {npi: v for npi, v in out.items() if v[1] > 0}


def _nearest_rank(values: list[Decimal], p: int) -> Decimal:
    rank = 1 if p == 0 else math.ceil(p * len(values) / 100)
    return values[rank - 1]


def test_quantiles_match_an_independent_nearest_rank_computation(built, synth_csv, bench_release) -> None:  # type: ignore[no-untyped-def]
    by_spec: dict[str, list[Decimal]] = defaultdict(list)
    for spec, total in _provider_wrvu(synth_csv.path, bench_release.work).values():
        by_spec[spec].append(total)
    with BenchmarkStore(built.path / STORE_NAME) as store:
        assert sorted(by_spec) == store.specialties()
        for spec, values in by_spec.items():
            values.sort()
            expected = [
                float(_nearest_rank(values, p).quantize(Decimal("0.01"), ROUND_HALF_UP)) for p in range(101)
            ]
            assert [v for _p, v in store.quantiles(spec)] == expected, spec
            summary = store.summary(spec)
            assert summary["providers"] == len(values)
            assert summary["p50"] == expected[50] and summary["p90"] == expected[90]


def test_code_figures_match_the_csv(built, synth_csv) -> None:  # type: ignore[no-untyped-def]
    services: dict[str, Decimal] = defaultdict(Decimal)
    per_provider: dict[str, Decimal] = defaultdict(Decimal)
    internists: dict[str, Decimal] = defaultdict(Decimal)
    with synth_csv.path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["HCPCS_Cd"] == "99214":
                services["all"] += Decimal(row["Tot_Srvcs"])
                per_provider[row["Rndrng_NPI"]] += Decimal(row["Tot_Srvcs"])
                if row["Rndrng_Prvdr_Type"] == "Internal Medicine":
                    internists[row["Rndrng_NPI"]] += Decimal(row["Tot_Srvcs"])
    volumes = sorted(per_provider.values())
    with BenchmarkStore(built.path / STORE_NAME) as store:
        stats = store.code("99214")
        assert stats is not None
        assert stats["services"] == float(services["all"])
        assert stats["providers"] == len(per_provider)
        assert stats["median_provider_services"] == float(_nearest_rank(volumes, 50))
        assert stats["work_rvu"] == 1.92
        within = store.code_specialty("99214", "Internal Medicine")
        assert within is not None and within["providers"] == len(internists)
        assert within["median_provider_services"] == float(_nearest_rank(sorted(internists.values()), 50))
        shares = [r["share"] for r in store.code_specialties("99214", limit=100)]
        assert shares == sorted(shares, reverse=True)
        assert sum(shares) == pytest.approx(1.0)
        assert store.code("0000X") is None


def test_em_mix_shares_sum_to_one_per_family(built) -> None:  # type: ignore[no-untyped-def]
    with BenchmarkStore(built.path / STORE_NAME) as store:
        mix = store.em_mix("Internal Medicine")
        families = defaultdict(float)
        for row in mix:
            families[row["family"]] += row["share"]
        assert set(families) >= {"office_new", "office_established"}
        assert all(total == pytest.approx(1.0) for total in families.values())
        established = {r["hcpcs"]: r["share"] for r in mix if r["family"] == "office_established"}
        assert established["99214"] > established["99212"]  # the generator's primary care mix


def test_categories_roll_up_the_codes(built) -> None:  # type: ignore[no-untyped-def]
    with BenchmarkStore(built.path / STORE_NAME) as store:
        cats = {c["category"]: c for c in store.categories()}
        em = cats["Evaluation and Management"]
        codes = store.con.execute(
            "SELECT SUM(services) FROM code_stats WHERE hcpcs BETWEEN '99202' AND '99499'"
        ).fetchone()[0]
        assert em["services"] == pytest.approx(codes)
        assert sum(r["share"] for r in store.category_specialties("Evaluation and Management", 100)) == (
            pytest.approx(1.0)
        )


def test_tables_say_synthetic_with_year_release_and_caveats(built) -> None:  # type: ignore[no-untyped-def]
    with BenchmarkStore(built.path / STORE_NAME) as store:
        assert store.synthetic and store.meta.data_year == 2025 and store.meta.release == "RVU25D"
        assert store.meta.label.startswith(SYNTHETIC_LABEL)
        text = " ".join(store.caveats)
        for phrase in ("SYNTHETIC", "fee-for-service Part B", "Not risk-adjusted", "fewer than 11", "RVU25D"):
            assert phrase in text
    import pyarrow.parquet as pq

    meta = pq.read_schema(built.path / "tables" / "specialty_quantiles.parquet").metadata
    assert b'"synthetic": true' in meta[b"openrvu"]


def _state(bench_dir: Path) -> tuple[str, str]:
    link = bench_dir / "2025"
    digest = hashlib.sha256((link / STORE_NAME).read_bytes()).hexdigest()
    return str(link.resolve()), digest


def _bad_copy(src: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(src, target)
    return target


@pytest.fixture()
def bench_dir(tmp_path: Path, synth_csv, bench_release) -> Path:  # type: ignore[no-untyped-def]
    """A benchmarks folder with tables in use, for tests that try to break them."""
    folder = tmp_path / "benchmarks"
    build([synth_csv.path], work=bench_release.work, release="RVU25D", benchmarks_dir=folder, threads=1)
    return folder


def test_bad_files_give_clear_errors_and_leave_the_tables_untouched(
    bench_dir: Path,
    tmp_path: Path,
    synth_csv,  # type: ignore[no-untyped-def]
    bench_release,  # type: ignore[no-untyped-def]
) -> None:
    before = _state(bench_dir)
    lines = synth_csv.path.read_text(encoding="utf-8").splitlines(keepends=True)

    def attempt(path: Path, year: int | None = 2025) -> str:
        with pytest.raises(BenchmarkInputError) as err:
            build([path], work=bench_release.work, release="RVU25D", benchmarks_dir=bench_dir, year=year)
        assert _state(bench_dir) == before
        assert not [p for p in (bench_dir / "builds").iterdir() if p.name.startswith(".tmp")]
        return str(err.value)

    wrong_columns = tmp_path / "bad" / "MUP_PHY_R25_P05_V20_D25_Prov.csv"
    wrong_columns.parent.mkdir()
    wrong_columns.write_text("Rndrng_NPI,Rndrng_Prvdr_Type,Tot_HCPCS_Cds,Tot_Benes\n1,Cardiology,3,20\n")
    message = attempt(wrong_columns)
    assert "wrong columns" in message and "by Provider file" in message and "HCPCS_Cd" in message

    wrong_year = _bad_copy(synth_csv.path, tmp_path / "y", "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv")
    assert "wrong year" in attempt(wrong_year) and "2023" in attempt(wrong_year)

    cut = tmp_path / "cut" / "MUP_PHY_TEST_D25_Prov_Svc.csv"
    cut.parent.mkdir()
    body = "".join(lines[:50])
    cut.write_text(body[: len(body) - 7], encoding="utf-8")
    assert "truncated" in attempt(cut)

    sidecar_cut = _bad_copy(synth_csv.path, tmp_path / "side", synth_csv.path.name)
    shutil.copyfile(
        synth_csv.path.parent / (synth_csv.path.name + ".openrvu.json"), str(sidecar_cut) + ".openrvu.json"
    )
    sidecar_cut.write_text("".join(lines[:-3]), encoding="utf-8")  # cut at a line boundary
    assert "truncated or changed" in attempt(sidecar_cut)

    bad_number = tmp_path / "num" / "MUP_PHY_TEST_D25_Prov_Svc.csv"
    bad_number.parent.mkdir()
    fields = next(csv.reader([lines[5]]))
    fields[PROVIDER_SERVICE_COLUMNS.index("Tot_Benes")] = "eleven"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    bad_number.write_text("".join(lines[:5] + [out.getvalue()] + lines[6:40]), encoding="utf-8")
    message = attempt(bad_number)
    assert "eleven" in message and "Tot_Benes" in message

    unknown_year = _bad_copy(synth_csv.path, tmp_path / "noyear", "puf.csv")
    assert "pass --year" in attempt(unknown_year, year=None)


def test_a_good_rebuild_switches_the_link_and_drops_the_old_build(
    bench_dir: Path, synth_csv, bench_release
) -> None:  # type: ignore[no-untyped-def]
    old_target, _ = _state(bench_dir)
    result = build([synth_csv.path], work=bench_release.work, release="RVU25D", benchmarks_dir=bench_dir)
    assert Path(_state(bench_dir)[0]) == result.path.resolve()
    assert not Path(old_target).exists()
    assert [p.name for p in (bench_dir / "builds").iterdir()] == [result.path.name]


def test_synthetic_sidecar_is_what_marks_the_build(synth_csv) -> None:  # type: ignore[no-untyped-def]
    side = read_sidecar(synth_csv.path)
    assert side["synthetic"] is True and side["rows"] == synth_csv.rows and side["year"] == 2025
    with synth_csv.path.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(PROVIDER_SERVICE_COLUMNS)


def test_cli_synth_then_build_and_a_bad_file_exits_2(
    openrvu_home: Path, reference_path: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from openrvu.cli import app

    openrvu_home.mkdir(parents=True)
    (openrvu_home / "reference.sqlite").symlink_to(reference_path)
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["benchmarks", "synth", "--providers", "300", "--year", "2025", "-o", str(tmp_path), "--seed", "3"],
    )
    assert made.exit_code == 0, made.output
    assert "SYNTHETIC" in made.output and "RVU25D" in made.output
    csv_path = tmp_path / "MUP_PHY_SYNTH_D25_Prov_Svc.csv"
    built = runner.invoke(app, ["benchmarks", "build", str(csv_path), "--threads", "1"])
    assert built.exit_code == 0, built.output
    assert "SYNTHETIC" in built.output and "Method and caveats" in built.output
    before = _state(openrvu_home / "benchmarks")
    bad = tmp_path / "MUP_PHY_R25_P05_V20_D25_Prov_Svc.csv"
    bad.write_text("Rndrng_NPI,HCPCS_Cd\n1,99213\n", encoding="utf-8")
    refused = runner.invoke(app, ["benchmarks", "build", str(bad)])
    assert refused.exit_code == 2
    assert "Nothing was built" in refused.output and str(bad) in refused.output.replace("\n", "")
    assert _state(openrvu_home / "benchmarks") == before
    no_release = runner.invoke(app, ["benchmarks", "build", str(csv_path), "--release", "RVU19A"])
    assert no_release.exit_code == 2 and "RVU19A" in no_release.output
