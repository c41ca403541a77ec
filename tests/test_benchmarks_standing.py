"""Where a clinician stands: annualising, the percentile lookup, E/M mix and code volumes; CLI ``me``."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from openrvu.benchmarks.build import STORE_NAME
from openrvu.benchmarks.standing import LogAggregates, code_standing, em_standing, standing, wrvu_standing
from openrvu.benchmarks.store import BenchmarkStore, UnknownSpecialty
from openrvu.cli import app


@pytest.fixture(scope="module")
def store(built) -> BenchmarkStore:  # type: ignore[no-untyped-def]
    return BenchmarkStore(built.path / STORE_NAME)


def test_annualising_prorates_days_and_fte() -> None:
    log = LogAggregates(wrvu=1000, days_logged=73, fte=0.5)
    assert log.annualize(1000) == pytest.approx(1000 * 5 / 0.5)
    for bad in ({"days_logged": 0}, {"fte": 0}, {"wrvu": -1}, {"medicare_share": 1.5}):
        with pytest.raises(ValueError):
            LogAggregates(**{"wrvu": 1, "days_logged": 10, **bad})  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(wrvu=st.floats(min_value=0, max_value=60_000, allow_nan=False))
def test_percentile_is_the_highest_quantile_at_or_below_the_value(store: BenchmarkStore, wrvu: float) -> None:
    table = store.quantiles("Cardiology")
    expected = max((p for p, v in table if v <= wrvu), default=0)
    assert store.percentile_of("cardiology", wrvu) == expected


def test_wrvu_standing_uses_the_annualised_medicare_share(store: BenchmarkStore) -> None:
    median = store.summary("Cardiology")["p50"]
    half_year = LogAggregates(wrvu=median / 2, days_logged=365 // 2 + 1, fte=1.0)
    result = wrvu_standing(store, "Cardiology", half_year)
    assert result.annual_wrvu == pytest.approx(median / 2 * 365 / 183)
    assert 40 <= result.percentile <= 50 and "all-payer" in result.note
    shared = wrvu_standing(
        store, "Cardiology", LogAggregates(wrvu=median * 2, days_logged=365, medicare_share=0.5)
    )
    assert shared.compared_wrvu == pytest.approx(median) and shared.percentile == 50
    with pytest.raises(UnknownSpecialty, match="Cardiology"):
        wrvu_standing(store, "Cardiolgy", half_year)


def test_em_and_code_comparisons(store: BenchmarkStore) -> None:
    em = em_standing(store, "Internal Medicine", {"99213": 30, "99214": 60, "99215": 10})
    established = {row.hcpcs: row for row in em if row.family == "office_established"}
    assert established["99214"].your_share == pytest.approx(0.6)
    assert sum(r.specialty_share for r in established.values()) == pytest.approx(1.0)
    new = [row for row in em if row.family == "office_new"]
    assert new and all(r.your_share is None for r in new)

    log = LogAggregates(wrvu=100, days_logged=365, code_volumes={"99214": 500, "ZZZZZ": 3})
    volumes = {c.hcpcs: c for c in code_standing(store, "Internal Medicine", log)}
    within = store.code_specialty("99214", "Internal Medicine")
    assert within is not None
    assert volumes["99214"].specialty_median == within["median_provider_services"]
    assert volumes["99214"].ratio_to_specialty == pytest.approx(500 / within["median_provider_services"])
    assert volumes["ZZZZZ"].national_median is None and volumes["ZZZZZ"].ratio_to_specialty is None

    report = standing(store, "Internal Medicine", log)
    assert report.synthetic and "SYNTHETIC" in report.label and report.caveats == store.caveats


@pytest.fixture()
def home_with_tables(openrvu_home: Path, built) -> Path:  # type: ignore[no-untyped-def]
    target = openrvu_home / "benchmarks" / "2025"
    target.parent.mkdir(parents=True)
    shutil.copytree(built.path, target)
    return openrvu_home


def test_cli_me_specialty_code_and_export_say_synthetic(home_with_tables: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    me = runner.invoke(
        app,
        [
            "benchmarks",
            "me",
            "--specialty",
            "Cardiology",
            "--wrvu",
            "3000",
            "--days",
            "182",
            "--fte",
            "0.8",
            "--em",
            "99214=300",
            "--em",
            "99213=100",
            "--code",
            "93306=150",
        ],
    )
    assert me.exit_code == 0, me.output
    for text in ("SYNTHETIC", "percentile", "Medicare fee-for-service", "fewer than 11", "93306"):
        assert text in me.output
    bad = runner.invoke(app, ["benchmarks", "me", "--specialty", "Cardio", "--wrvu", "1"])
    assert bad.exit_code == 2
    bad_pair = runner.invoke(
        app, ["benchmarks", "me", "--specialty", "Cardiology", "--wrvu", "1", "--em", "99214"]
    )
    assert bad_pair.exit_code == 2

    spec = runner.invoke(app, ["benchmarks", "specialty", "Dermatology"])
    assert spec.exit_code == 0 and "SYNTHETIC" in spec.output and "p90" in spec.output
    code = runner.invoke(app, ["benchmarks", "code", "17003"])
    assert code.exit_code == 0 and "Dermatology" in code.output and "SYNTHETIC" in code.output

    out = tmp_path / "q.csv"
    exported = runner.invoke(app, ["benchmarks", "export", "specialty_quantiles", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# SYNTHETIC DATA")
    header = next(line for line in lines if not line.startswith("#"))
    assert header == "specialty,pct,wrvu,providers,synthetic"
    assert lines[-1].endswith(",SYNTHETIC")


def test_cli_without_tables_says_how_to_build(openrvu_home: Path) -> None:
    result = CliRunner().invoke(app, ["benchmarks", "specialty", "Cardiology"])
    assert result.exit_code == 2 and "openrvu benchmarks build" in result.output


def test_cli_me_reads_the_log_of_an_account(
    home_with_tables: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reference,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import date

    from openrvu.tracker import accounts
    from openrvu.tracker.catalog import Catalog
    from openrvu.tracker.db import make_engine, migrate, session_factory
    from openrvu.tracker.entries import EntryForm, create_entry, parse_entry

    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    migrate(url)
    engine = make_engine(url)
    catalog = Catalog(reference)
    with session_factory(engine)() as session:
        user = accounts.sign_up(session, "cardio@example.org", "correct horse battery")
        user.specialty, user.fte = "Cardiology", Decimal("0.5")
        session.commit()
        for code, units in (("99214", 6), ("99213", 2), ("93306", 4)):
            spec = parse_entry(user, EntryForm(date(2025, 3, 3), code, units=units, pos="11"))
            create_entry(session, user, spec, catalog)
    engine.dispose()
    result = CliRunner().invoke(
        app,
        ["benchmarks", "me", "--user", "cardio@example.org", "--from", "2025-03-01", "--to", "2025-03-31"],
    )
    assert result.exit_code == 0, result.output
    wrvu = 6 * 1.92 + 2 * 1.30 + 4 * 1.46
    annual = f"{wrvu * 365 / 31 / 0.5:,.0f} wRVUs a year per FTE"
    assert "Cardiology" in result.output and annual in result.output and "SYNTHETIC" in result.output
    assert "75.0%" in result.output  # 99214: 6 of the 8 office visits
    assert "93306" in result.output
