"""The vectorized repricer gives results identical to the per-line engine, and keeps every line."""

from __future__ import annotations

import csv
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.pricing.bulk import BulkRepricer, outcome_rows
from openrvu.pricing.contract import DEFAULT_CONTRACT, contract_from_dict
from openrvu.pricing.model import LineInput
from openrvu.pricing.records import reprice_records
from openrvu.pricing.service import PricingService
from openrvu.pricing.synthetic import COLUMNS, synthetic_rows


def test_bulk_identical_to_engine_on_varied_real_lines(reference) -> None:
    svc = PricingService(reference)
    rows = synthetic_rows(reference, "RVU25D", 4000, seed=3, rare=0.03, errors=0.01)
    bulk = BulkRepricer(svc, ["RVU25D"])
    for contract in (
        DEFAULT_CONTRACT,
        contract_from_dict(
            {"reduces_wrvu": {"multiple_procedure": False, "bilateral": False}, "credit_non_payable": True}
        ),
    ):
        expected = reprice_records(svc, rows, contract)
        out, stats = bulk.reprice(pa.Table.from_pylist(rows), contract)
        assert outcome_rows(out) == expected
        chunked, _ = bulk.reprice(pa.Table.from_pylist(rows), contract, chunk_lines=700)
        assert outcome_rows(chunked) == expected
        assert stats.vectorized > 3000 and stats.errors > 0
        assert out.num_rows == len(rows) and out.column_names[:7] == list(COLUMNS)


def test_reprice_cli_keeps_every_line(reference_path, monkeypatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from openrvu.cli.app import app

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    src = tmp_path / "in.csv"
    src.write_text(
        "note,units,hcpcs,encounter_id,date,modifiers,pos,locality_or_zip\n"
        "a,1,20610,E1,2025-11-03,,11,01112-05\nb,1,20610,E1,2025-11-03,,11,01112-05\n"
        "c,0,99213,E2,2025-11-03,,11,94110\n"
    )
    result = CliRunner().invoke(app, ["reprice", str(src), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    out = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [r["note"] for r in out] == ["a", "b", "c"]
    assert Decimal(out[1]["allowed"]) * 2 - Decimal(out[0]["allowed"]) in (
        Decimal("0.00"),
        Decimal("0.01"),
        Decimal("-0.01"),
    )
    assert "units" in out[2]["error"] and out[2]["allowed"] == ""
    missing = tmp_path / "bad.csv"
    missing.write_text("hcpcs,units\n99213,1\n")
    assert CliRunner().invoke(app, ["reprice", str(missing), "-o", str(tmp_path / "x.csv")]).exit_code == 2


@settings(max_examples=25, deadline=None)
@given(st.permutations(["20610", "27447", "74177", "72193", "97110x2", "97140", "99213", "43239", "43235"]))
def test_input_order_never_changes_totals(reference, order) -> None:
    svc = PricingService(reference)
    from datetime import date

    from openrvu.pricing.service import parse_code

    lines = [LineInput(p.hcpcs, p.modifiers, p.units, "11") for p in map(parse_code, order)]
    res = svc.price(lines, on=date(2025, 11, 3), locality="01112-05")
    base = svc.price(
        [LineInput(p.hcpcs, p.modifiers, p.units, "11") for p in map(parse_code, sorted(order))],
        on=date(2025, 11, 3),
        locality="01112-05",
    )
    assert (res.total_allowed, res.total_wrvu) == (base.total_allowed, base.total_wrvu)


def test_reprice_xlsx_input_same_as_csv(reference_path, monkeypatch, tmp_path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from openrvu.cli.app import app

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    header = ["pos", "hcpcs", "units", "modifiers", "encounter_id", "date", "locality_or_zip"]
    data = [
        ["11", "74177", "1", "", "E1", "2025-11-03", "01112-05"],
        ["11", "72193", "1", "", "E1", "2025-11-03", "01112-05"],
    ]
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in data:
        book.active.append(row)
    book.save(tmp_path / "in.xlsx")
    (tmp_path / "in.csv").write_text("\n".join(",".join(r) for r in [header, *data]) + "\n")
    for name in ("in.xlsx", "in.csv"):
        result = CliRunner().invoke(
            app, ["reprice", str(tmp_path / name), "-o", str(tmp_path / f"{name}.out")]
        )
        assert result.exit_code == 0, result.output
    xlsx_out = list(csv.DictReader((tmp_path / "in.xlsx.out").open()))
    assert xlsx_out == list(csv.DictReader((tmp_path / "in.csv.out").open()))
    assert "13:TC50" in xlsx_out[1]["rules"]


def test_bulk_identical_to_engine_across_two_releases_and_odd_lookups(reference) -> None:
    """Lines of two releases in one file, -53 with and without its own row, ZIP codes, lower-case and
    padded codes, unknown codes and localities, a date no release covers: bulk = engine."""
    svc = PricingService(reference)
    rows = synthetic_rows(reference, "RVU25D", 1500, seed=21, rare=0.05, errors=0.02)
    rows += [
        {**r, "encounter_id": "N" + r["encounter_id"]}
        for r in synthetic_rows(
            reference, "RVU26C", 1500, seed=22, rare=0.05, errors=0.02, dates=("2026-07-15",)
        )
    ]
    odd = [
        ("45378", "53"),  # its own -53 row (rule 9)
        ("G0105", "53"),
        ("99213", "53"),  # no -53 row: the global row's
        (" 99213 ", ""),
        ("99213", "25"),
        ("g0105", ""),
        ("ZZ999", ""),
        ("70450", "26"),
        ("70450", "TC"),
    ]
    for i, (code, mods) in enumerate(odd):
        for day, where in (("2025-11-03", "94110"), ("2026-07-15", "01112-05"), ("2024-01-02", "01112-05")):
            rows.append(
                {
                    "encounter_id": f"X{i}",
                    "date": day,
                    "hcpcs": code,
                    "modifiers": mods,
                    "units": "1",
                    "pos": "11",
                    "locality_or_zip": where,
                }
            )
        rows.append(
            {**rows[-1], "encounter_id": f"Y{i}", "date": "2026-07-15", "locality_or_zip": "99999-99"}
        )
    bulk = BulkRepricer(svc, ["RVU25D", "RVU26C"])
    out, stats = bulk.reprice(pa.Table.from_pylist(rows), DEFAULT_CONTRACT)
    outcomes = outcome_rows(out)
    assert outcomes == reprice_records(svc, rows, DEFAULT_CONTRACT)
    assert {o.release for o in outcomes} == {"RVU25D", "RVU26C", ""}
    assert stats.vectorized > 2500


def test_reprice_files_with_no_covered_date_or_no_lines(reference_path, monkeypatch, tmp_path) -> None:
    """A file whose dates no loaded release covers gets each line's error (it crashed on an empty set
    of pricing arrays); a file with a header only gets the header back."""
    from typer.testing import CliRunner

    from openrvu.cli.app import app
    from openrvu.reference.db import ReferenceDB

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    header = "encounter_id,date,hcpcs,modifiers,units,pos,locality_or_zip\n"
    src = tmp_path / "old.csv"
    src.write_text(header + "E1,2024-01-02,99213,,1,11,01112-05\nE2,bad,99213,,1,11,01112-05\n")
    result = CliRunner().invoke(app, ["reprice", str(src), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    out = list(csv.DictReader((tmp_path / "out.csv").open()))
    rows = list(csv.DictReader(src.open()))
    expected = reprice_records(PricingService(ReferenceDB(reference_path)), rows, DEFAULT_CONTRACT)
    assert [r["error"] for r in out] == [o.error for o in expected]
    assert "2024-01-02" in out[0]["error"] and out[0]["allowed"] == "" and out[1]["error"]
    empty = tmp_path / "empty.csv"
    empty.write_text(header)
    result = CliRunner().invoke(app, ["reprice", str(empty), "-o", str(tmp_path / "none.csv")])
    assert result.exit_code == 0, result.output
    names = [*header.strip().split(","), "release", "allowed", "wrvu", "rules", "error"]
    assert (tmp_path / "none.csv").read_text().splitlines() == [",".join(f'"{c}"' for c in names)]
