"""Optional reprice columns: provider, participation, anesthesia minutes and base units, -52 percentage.

Bulk == engine on real codes with every optional column (and their header aliases), bad values get
their own error and the rest of the file is priced, and the columns really change the amounts.
"""

from __future__ import annotations

import csv
import random
from decimal import Decimal

import pyarrow as pa

from openrvu.pricing.bulk import BulkRepricer, outcome_rows
from openrvu.pricing.contract import DEFAULT_CONTRACT
from openrvu.pricing.records import reprice_records
from openrvu.pricing.service import PricingService
from openrvu.pricing.synthetic import synthetic_rows

OPTIONAL = ("provider", "participation", "anesthesia_minutes", "anesthesia_base_units", "reduced_percent")
ALIASES = {
    "provider": "Provider_Kind",
    "participation": "par_status",
    "anesthesia_minutes": "anes_minutes",
    "anesthesia_base_units": "base_units",
    "reduced_percent": "reduced_pct",
}


def _with_optional(reference, rows: list[dict[str, str]], seed: int) -> list[dict[str, str]]:
    """SYNTHETIC lines with the optional columns: per encounter a provider and participation, some
    anesthesia lines with minutes and base units, -52 percentages, and bad values."""
    rng = random.Random(seed)
    anesthesia = [r.hcpcs for r in reference.iter_rvu("RVU25D") if r.status_code == "J"][:40]
    kind: dict[str, tuple[str, str]] = {}
    out = []
    for rec in rows:
        enc = rec["encounter_id"]
        if enc not in kind:
            kind[enc] = (
                rng.choice(["", "physician", "NPP", "pa", "md"]),
                rng.choice(["", "par", "nonpar", "Non-Par"]),
            )
        provider, par = kind[enc]
        extra = dict.fromkeys(OPTIONAL, "")
        extra["provider"], extra["participation"] = provider, par
        if rng.random() < 0.05:
            rec = dict(rec, hcpcs=rng.choice(anesthesia), modifiers="", units="1")
            extra["anesthesia_minutes"] = str(rng.choice([15, 38, 61, 240]))
            extra["anesthesia_base_units"] = rng.choice(["3", "5", "7.5"])
        if rng.random() < 0.05:
            rec = dict(rec, modifiers="52")
            extra["reduced_percent"] = rng.choice(["", "40", "75.5", "100"])
        if rng.random() < 0.03:
            field, bad = rng.choice(
                [
                    ("provider", "dentist"),
                    ("participation", "maybe"),
                    ("anesthesia_minutes", "1h"),
                    ("anesthesia_base_units", "abc"),
                    ("reduced_percent", "ten"),
                    ("reduced_percent", "150"),
                    ("provider", "npp" if provider in ("", "physician", "md") else "physician"),
                ]
            )
            if field == "reduced_percent":
                rec = dict(rec, modifiers="52")
            extra[field] = bad
        out.append({**rec, **extra})
    return out


def test_optional_columns_bulk_identical_to_engine(reference) -> None:
    svc = PricingService(reference)
    rows = _with_optional(
        reference, synthetic_rows(reference, "RVU25D", 2500, seed=31, rare=0.04, errors=0.005), seed=31
    )
    expected = reprice_records(svc, rows, DEFAULT_CONTRACT)
    bulk = BulkRepricer(svc, ["RVU25D"])
    aliased = pa.Table.from_pylist([{ALIASES.get(k, k): v for k, v in r.items()} for r in rows])
    for table in (pa.Table.from_pylist(rows), aliased):
        for options in ({}, {"chunk_lines": 600, "workers": 2}):
            out, stats = bulk.reprice(table, DEFAULT_CONTRACT, **options)
            assert outcome_rows(out) == expected
            assert stats.vectorized > 1500  # NPP / non-par priced by the arrays; anesthesia by the engine
    errors = [o.error for o in expected if o.error]
    for words in ("provider 'dentist'", "participation 'maybe'", "anesthesia_minutes '1h'", "not a number"):
        assert any(words in e for e in errors), words
    assert any("differs from the encounter's first line" in e for e in errors)
    assert any("-52 percentage must be in (0, 100]" in e for e in errors)
    anesthesia_paid = [
        o for r, o in zip(rows, expected, strict=True) if r["anesthesia_minutes"].isdigit() and o.allowed
    ]
    assert len(anesthesia_paid) > 20 and all("20" in o.rules.split() for o in anesthesia_paid)
    assert any("19:NPP" in o.rules for o in expected) and any("19:nonpar" in o.rules for o in expected)


def test_npp_and_nonpar_change_the_amount(reference) -> None:
    svc = PricingService(reference)
    base = {
        "encounter_id": "E1",
        "date": "2025-11-03",
        "hcpcs": "99214",
        "modifiers": "",
        "units": "1",
        "pos": "11",
        "locality_or_zip": "01112-05",
    }
    plain = reprice_records(svc, [base], DEFAULT_CONTRACT)[0]
    npp = reprice_records(svc, [dict(base, provider="npp")], DEFAULT_CONTRACT)[0]
    nonpar = reprice_records(svc, [dict(base, participation="nonpar")], DEFAULT_CONTRACT)[0]
    # 85% and 95% of the physician amount, each rounded once (so within a cent of the rounded product)
    assert abs(Decimal(npp.allowed) - Decimal(plain.allowed) * Decimal("0.85")) <= Decimal("0.01")
    assert abs(Decimal(nonpar.allowed) - Decimal(plain.allowed) * Decimal("0.95")) <= Decimal("0.01")
    assert npp.allowed != plain.allowed and nonpar.allowed != plain.allowed


def test_reprice_cli_reads_optional_columns(reference_path, monkeypatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from openrvu.cli.app import app

    home = tmp_path / "home"
    home.mkdir()
    (home / "reference.sqlite").symlink_to(reference_path)
    monkeypatch.setenv("OPENRVU_HOME", str(home))
    src = tmp_path / "in.csv"
    src.write_text(
        "encounter_id,date,hcpcs,modifiers,units,pos,locality_or_zip,provider_type,participation,anes_minutes,"
        "anesthesia_base_units,reduced_pct\n"
        "E1,2025-11-03,99214,,1,11,01112-05,,,,,\n"
        "E2,2025-11-03,99214,,1,11,01112-05,NP,,,,\n"
        "E3,2025-11-03,99214,,1,11,01112-05,,nonpar,,,\n"
        "E4,2025-11-03,00100,,1,22,01112-05,,,45,5,\n"
        "E5,2025-11-03,99214,,1,11,01112-05,surgeon,,,,\n"
        "E6,2025-11-03,20610,52,1,11,01112-05,,,,,30\n"
        "E7,2025-11-03,20610,52,1,11,01112-05,,,,,\n"
    )
    result = CliRunner().invoke(app, ["reprice", str(src), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    out = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [r["encounter_id"] for r in out] == ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]
    assert Decimal(out[1]["allowed"]) < Decimal(out[2]["allowed"]) < Decimal(out[0]["allowed"])
    assert "19:NPP" in out[1]["rules"] and "19:nonpar" in out[2]["rules"]
    assert out[3]["allowed"] and "20" in out[3]["rules"].split()  # anesthesia: base + time units
    assert "provider 'surgeon'" in out[4]["error"] and out[4]["allowed"] == ""
    # -52 at 30% instead of the default 50%: 30/50 of the default amount, to the cent
    assert abs(Decimal(out[5]["allowed"]) - Decimal(out[6]["allowed"]) * 3 / 5) <= Decimal("0.01")
    twice = tmp_path / "twice.csv"
    twice.write_text(src.read_text().replace("provider_type,participation", "provider_type,provider"))
    result = CliRunner().invoke(app, ["reprice", str(twice), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "both give provider" in result.output
