"""The SQL steps against an independent computation on a small hand-made file with the awkward shapes:
a code billed in both places of service, a provider under two specialties, a provider with individual and
organisation lines, a code outside the release (0001U), a line with no services.

The build aggregates the lines once (per code and provider, by integer ids) and derives every table
from that; this checks each output table row by row against the definitions computed here in Python."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from openrvu.benchmarks.build import convert_to_parquet, run_steps
from openrvu.benchmarks.categories import category_name, em_family_rows
from openrvu.benchmarks.engine import STEPS, DuckDBEngine
from openrvu.benchmarks.inputs import check_provider_service_file
from openrvu.benchmarks.schema import PROVIDER_SERVICE_COLUMNS

# (npi, entity, specialty, hcpcs, place of service, beneficiaries, services)
LINES: list[tuple[int, str, str, str, str, int, str]] = [
    (1000000011, "I", "Internal Medicine", "99214", "O", 40, "120.50"),
    (1000000011, "I", "Internal Medicine", "99214", "F", 12, "20"),
    (1000000011, "I", "Internal Medicine", "99213", "O", 30, "55"),
    (1000000011, "I", "Internal Medicine", "0001U", "O", 14, "30"),
    (1000000029, "I", "Internal Medicine", "99214", "O", 25, "40"),
    (1000000029, "I", "Internal Medicine", "99203", "O", 11, "11"),
    (1000000037, "I", "Cardiology", "93000", "O", 60, "75"),
    (1000000037, "I", "Cardiology", "99214", "O", 44, "61.25"),
    (1000000037, "O", "Cardiology", "93000", "F", 18, "19"),  # the same NPI as an organisation
    (1000000045, "I", "Cardiology", "99214", "O", 15, "0"),  # no services
    (1000000045, "I", "Internal Medicine", "99214", "F", 13, "16"),  # the same NPI, a second specialty
    (1000000052, "O", "Clinical Laboratory", "80053", "O", 300, "410"),
    (1000000052, "O", "Clinical Laboratory", "99214", "O", 12, "12"),
]


def _write(folder: Path) -> Path:
    path = folder / "MUP_PHY_TEST_D25_Prov_Svc.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(PROVIDER_SERVICE_COLUMNS)
        for npi, entity, spec, code, pos, benes, srvcs in LINES:
            row = dict.fromkeys(PROVIDER_SERVICE_COLUMNS, "")
            row.update(
                Rndrng_NPI=str(npi),
                Rndrng_Prvdr_Ent_Cd=entity,
                Rndrng_Prvdr_Type=spec,
                HCPCS_Cd=code,
                Place_Of_Srvc=pos,
                Tot_Benes=str(benes),
                Tot_Srvcs=srvcs,
                Rndrng_Prvdr_Last_Org_Name="TEST, WITH A COMMA",
            )
            out.writerow(row.values())
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory, bench_release) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("steps")
    checked = check_provider_service_file(_write(folder), 2025)
    parquet = convert_to_parquet([checked], folder, threads=2, memory_limit="1GB", say=print)
    engine = DuckDBEngine(folder, threads=2, memory_limit="1GB")
    timings: dict[str, float] = {}
    try:
        outputs = run_steps(engine, parquet, bench_release.work, category_name, timings=timings)
    finally:
        engine.close()
    assert {f"step.{s.name}_cpu_s" for s in STEPS} <= set(timings)
    return {name: table.to_pylist() for name, table in outputs.items()}


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(50 * len(ordered) / 100)) - 1]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _work(bench_release, code: str) -> Decimal:  # type: ignore[no-untyped-def]
    return bench_release.work[code].work_rvu if code in bench_release.work else Decimal(0)


def test_the_file_has_the_shapes_it_claims(bench_release) -> None:  # type: ignore[no-untyped-def]
    assert "0001U" not in bench_release.work and _work(bench_release, "99214") > 0
    assert _work(bench_release, "93000") > 0


def test_code_tables_match_the_definitions(tables, bench_release) -> None:  # type: ignore[no-untyped-def]
    per_provider: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    benes: dict[str, int] = defaultdict(int)
    facility: dict[str, Decimal] = defaultdict(Decimal)
    for npi, _entity, spec, code, pos, bene, srvcs in LINES:
        per_provider[(code, npi, spec)] += Decimal(srvcs)
        benes[code] += bene
        facility[code] += Decimal(srvcs) if pos == "F" else Decimal(0)
    expected_codes = []
    expected_specs = []
    for code in sorted({k[0] for k in per_provider}):
        mine = {k: v for k, v in per_provider.items() if k[0] == code}
        total = sum(mine.values(), Decimal(0))
        specs = sorted({k[2] for k in mine})
        expected_codes.append(
            {
                "hcpcs": code,
                "services": total,
                "providers": len(mine),
                "beneficiaries": benes[code],
                "total_wrvu": _cents(total * _work(bench_release, code)),
                "facility_services": facility[code],
                "specialties": len(specs),
                "work_rvu": _work(bench_release, code),
                "median_provider_services": _median(list(mine.values())),
            }
        )
        for spec in specs:
            values = [v for k, v in mine.items() if k[2] == spec]
            expected_specs.append(
                {
                    "hcpcs": code,
                    "specialty": spec,
                    "services": sum(values, Decimal(0)),
                    "providers": len(values),
                    "share": pytest.approx(float(sum(values, Decimal(0))) / float(total)),
                    "median_provider_services": _median(values),
                }
            )
    assert tables["code_stats"] == expected_codes
    assert tables["code_specialties"] == expected_specs


def test_provider_quantiles_and_em_mix_count_individual_lines_only(tables, bench_release) -> None:  # type: ignore[no-untyped-def]
    wrvu: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    em = {code: (key, name, level) for code, key, name, level in em_family_rows()}
    mix: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    mix_npis: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for npi, entity, spec, code, _pos, _bene, srvcs in LINES:
        if entity != "I":
            continue
        wrvu[(npi, spec)] += Decimal(srvcs) * _work(bench_release, code)
        if code in em:
            mix[(spec, em[code][0], code)] += Decimal(srvcs)
            mix_npis[(spec, em[code][0], code)].add(npi)
    by_spec: dict[str, list[tuple[Decimal, int]]] = defaultdict(list)
    for (npi, spec), total in wrvu.items():
        if total > 0:
            by_spec[spec].append((total, npi))
    expected = []
    for spec in sorted(by_spec):
        ranked = sorted(by_spec[spec])
        for p in range(101):
            rank = 1 if p == 0 else math.ceil(p * len(ranked) / 100)
            expected.append(
                {"specialty": spec, "pct": p, "wrvu": _cents(ranked[rank - 1][0]), "providers": len(ranked)}
            )
    assert tables["specialty_quantiles"] == expected
    got = {
        (r["specialty"], r["family"], r["hcpcs"]): (r["services"], r["providers"]) for r in tables["em_mix"]
    }
    assert got == {k: (v, len(mix_npis[k])) for k, v in mix.items()}


def test_categories_and_summary_match_the_definitions(tables, bench_release) -> None:  # type: ignore[no-untyped-def]
    per_provider: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    codes: dict[str, set[str]] = defaultdict(set)
    wrvu: dict[str, Decimal] = defaultdict(Decimal)
    for npi, _entity, spec, code, _pos, _bene, srvcs in LINES:
        if code not in bench_release.work:
            continue
        category = category_name(code)
        per_provider[(category, npi, spec)] += Decimal(srvcs)
        codes[category].add(code)
        wrvu[category] += Decimal(srvcs) * _work(bench_release, code)
    expected = []
    for category in sorted(codes):
        mine = {k: v for k, v in per_provider.items() if k[0] == category}
        expected.append(
            {
                "category": category,
                "codes": len(codes[category]),
                "services": sum(mine.values(), Decimal(0)),
                "providers": len(mine),
                "total_wrvu": _cents(wrvu[category]),
                "specialties": len({k[2] for k in mine}),
                "median_provider_services": _median(list(mine.values())),
            }
        )
    got = [{k: v for k, v in row.items() if k != "beneficiaries"} for row in tables["category_stats"]]
    assert got == expected
    pairs = {(r["category"], r["specialty"]): r["providers"] for r in tables["category_specialties"]}
    assert pairs == {
        (c, s): len([k for k in per_provider if k[0] == c and k[2] == s]) for c, _n, s in per_provider
    }
    [summary] = tables["input_summary"]
    assert summary["lines"] == len(LINES) and summary["providers"] == len({line[0] for line in LINES})
    assert summary["services"] == sum((Decimal(line[6]) for line in LINES), Decimal(0))
    assert summary["zero_wrvu_services"] == sum(
        (Decimal(line[6]) for line in LINES if _work(bench_release, line[3]) == 0), Decimal(0)
    )


def test_a_bad_value_deep_in_a_large_file_names_its_line_and_column(tmp_path: Path) -> None:
    """The CSV is parsed in streamed batches: an error after the first batches is still a clear one."""
    from openrvu.benchmarks.errors import BenchmarkInputError

    good = _write(tmp_path).read_text(encoding="utf-8").splitlines(keepends=True)
    body = good[1:] * 20_000  # 260,000 lines
    bad_at = len(body) - 10
    fields = next(csv.reader([body[bad_at]]))
    fields[PROVIDER_SERVICE_COLUMNS.index("Tot_Srvcs")] = "1.2.3"
    body[bad_at] = ",".join(f'"{f}"' for f in fields) + "\n"
    path = tmp_path / "big" / "MUP_PHY_TEST_D25_Prov_Svc.csv"
    path.parent.mkdir()
    path.write_text(good[0] + "".join(body), encoding="utf-8")
    with pytest.raises(BenchmarkInputError) as err:
        convert_to_parquet(
            [check_provider_service_file(path, 2025)], path.parent, threads=2, memory_limit="1GB", say=print
        )
    message = str(err.value)
    assert f"line {bad_at + 2}" in message and "Tot_Srvcs" in message and "'1.2.3'" in message
