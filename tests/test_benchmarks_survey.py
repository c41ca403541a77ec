"""Survey percentiles the user owns: the CSV is checked whole before anything is stored for the account."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from openrvu.benchmarks.errors import BenchmarkInputError
from openrvu.benchmarks.survey import read_survey_csv
from openrvu.cli import app
from openrvu.tracker import accounts
from openrvu.tracker.db import make_engine, migrate, session_factory
from openrvu.tracker.models import SurveyBenchmark

GOOD = (
    "Source,Year,Specialty,Metric,p10,p25,p50,p75,p90\n"
    "MGMA,2025,Cardiology,wrvu,5000,6200,7800,9400,11200\n"
    'AMGA,2025,Cardiology,compensation,,"$450,000",520000,610000,\n'
)


def test_a_good_file_reads_with_decimals_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(GOOD, encoding="utf-8")
    rows = read_survey_csv(path)
    assert [r.source for r in rows] == ["MGMA", "AMGA"]
    assert rows[0].percentiles["p50"] == Decimal("7800") and rows[0].metric == "wrvu"
    assert rows[1].percentiles["p10"] is None and rows[1].percentiles["p25"] == Decimal("450000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source,year,specialty,p50\nMGMA,2025,X,1\n", "missing columns metric"),
        ("source,year,specialty,metric,p50,p99\nMGMA,2025,X,wrvu,1,2\n", "unknown columns p99"),
        ("source,year,specialty,metric,p50\nMGMA,20x5,X,wrvu,1\n", "line 2: column year"),
        ("source,year,specialty,metric,p50\nMGMA,2025,X,income,1\n", "line 2: column metric"),
        (
            "source,year,specialty,metric,p25,p50\nMGMA,2025,X,wrvu,9,8\n",
            "line 2: column p50: 8 is below p25",
        ),
        ("source,year,specialty,metric,p50\nMGMA,2025,X,wrvu,\n", "line 2: give at least one"),
        (
            "source,year,specialty,metric,p50\nMGMA,2025,X,wrvu,abc\n",
            "line 2: column p50: 'abc' is not a number",
        ),
        (
            "source,year,specialty,metric,p50\nMGMA,2025,X,wrvu,1\nmgma,2025,x,wrvu,2\n",
            "line 3: repeats line 2",
        ),
        ("source,year,specialty,metric,p50\n", "no rows"),
    ],
)
def test_bad_files_name_the_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BenchmarkInputError, match=expected):
        read_survey_csv(path)


def test_cli_import_stores_rows_for_the_account_all_or_nothing(
    openrvu_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    migrate(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        accounts.sign_up(session, "doc@example.org", "correct horse battery")
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "SullivanCotter,2025,Cardiology,wrvu,9,8,7,6,5\n", encoding="utf-8")
    runner = CliRunner()

    refused = runner.invoke(app, ["benchmarks", "survey-import", str(bad), "--user", "doc@example.org"])
    assert refused.exit_code == 2 and "line 4" in refused.output and "Nothing was imported" in refused.output
    with session_factory(engine)() as session:
        assert session.scalars(select(SurveyBenchmark)).all() == []

    done = runner.invoke(app, ["benchmarks", "survey-import", str(good), "--user", "doc@example.org"])
    assert done.exit_code == 0, done.output
    with session_factory(engine)() as session:
        stored = {(r.source, r.metric): r for r in session.scalars(select(SurveyBenchmark))}
    assert stored[("MGMA", "wrvu")].p90 == Decimal("11200")
    assert stored[("AMGA", "compensation")].p90 is None
    nobody = runner.invoke(app, ["benchmarks", "survey-import", str(good), "--user", "nobody@example.org"])
    assert nobody.exit_code == 2
    engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.lists(
        st.lists(
            st.sampled_from(["MGMA", "2025", "x", "", "wrvu", "-1", "1e9", "nan", "$5", '"', ",", "9" * 30]),
            min_size=0,
            max_size=10,
        ),
        max_size=5,
    )
)
def test_junk_files_never_crash_the_reader(tmp_path: Path, body: list[list[str]]) -> None:
    path = tmp_path / "junk.csv"
    text = "source,year,specialty,metric,p10,p50,p90\n" + "\n".join(",".join(r) for r in body) + "\n"
    path.write_text(text, encoding="utf-8")
    try:
        rows = read_survey_csv(path)
    except BenchmarkInputError as exc:
        assert str(path) in str(exc)
    else:
        for row in rows:
            given_values = [v for v in row.percentiles.values() if v is not None]
            assert given_values == sorted(given_values) and all(v.is_finite() for v in given_values)
