"""The compiled CSV writer of bulk repricing writes exactly pyarrow's text, and refuses bad columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrvu.pricing import bulk_output
from openrvu.pricing.bulk_output import Coded, Money, csv_lines, csv_text, with_outputs

# text that CSV must quote or escape: quotes, commas, line breaks, non-ASCII, empty
AWKWARD = ['"', ",", "\n", "\r", "a", "Z", "9", " ", "é", "€", "\t"]
FIELD = st.text(alphabet=st.sampled_from(AWKWARD), max_size=6)


def test_extension_is_built() -> None:
    """``pip install`` builds the writer here (without it, bulk repricing falls back to pyarrow)."""
    assert bulk_output._csvout is not None
    assert bulk_output._csvout.write_rows(1, [("m", np.array([5], np.int64), np.array([1], np.uint8))]) == (
        b'"0.05"\n'
    )


def _outputs(rng: np.random.Generator, size: int, texts: list[str]) -> dict[str, object]:
    codes = rng.integers(0, len(texts), size)
    money = rng.integers(0, 10**9, size) * (rng.random(size) < 0.9)
    return {
        "release": Coded(["RVU25D", ""], (codes % 2).astype(np.int64)),
        "allowed": Money(money, rng.random(size) < 0.8),
        "wrvu": Money(money // 1000, np.ones(size, dtype=bool)),
        "rules": Coded(texts, codes),
        "error": pa.array([texts[c] for c in codes[::-1]], type=pa.string()),
    }


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(FIELD, FIELD), max_size=40),
    texts=st.lists(FIELD, min_size=1, max_size=5),
    cut=st.integers(0, 40),
    large=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_same_text_as_pyarrow(rows, texts, cut, large, seed) -> None:
    """Sliced, multi-chunk, string and large_string tables with awkward text: the same bytes."""
    kind = pa.large_string() if large else pa.string()
    first = pa.array([r[0] for r in rows], type=kind)
    second = pa.array([r[1] for r in rows], type=kind)
    cut = min(cut, len(rows))
    table = pa.table(
        {
            'code "a",b': pa.chunked_array([first.slice(0, cut), first.slice(cut)], type=kind),
            "rules": pa.chunked_array([second], type=kind),  # an input column the output replaces
            "units\n": pa.chunked_array([second.slice(0, len(rows) - cut), second.slice(len(rows) - cut)]),
        }
    )
    table = table.slice(min(1, len(rows)))  # non-zero offsets into the buffers
    out = _outputs(np.random.default_rng(seed), table.num_rows, texts)
    for header in (True, False):
        expected = csv_text(with_outputs(table, out), header).to_pybytes()
        got = b"".join(bytes(p) for p in csv_lines(table, out, header))
        assert got == expected


def test_nulls_and_other_types_go_through_pyarrow() -> None:
    """A column with nulls (or not of strings) is written by pyarrow: the text stays pyarrow's."""
    table = pa.table({"a": pa.array(["x", None]), "b": pa.array([1, 2])})
    out = _outputs(np.random.default_rng(1), 2, ["r"])
    assert b"".join(bytes(p) for p in csv_lines(table, out, True)) == csv_text(with_outputs(table, out), True)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([("c", np.array([2], np.int64), np.array([0, 1], np.int64), b"x")], "code 2 of 1 texts"),
        ([("m", np.array([-1], np.int64), np.array([1], np.uint8))], "below zero"),
        ([("m", np.array([1], np.int64), np.array([], np.uint8))], "mask: buffer of 0 bytes, 1 needed"),
        ([("s", np.array([0, 5], np.int32), b"abc", 4, 0)], "data: buffer of 3 bytes, 5 needed"),
        ([("s", np.array([0, 3, 1], np.int32), b"abc", 4, 0)], "offsets not ascending"),
        ([("s", np.array([0, 1], np.int32), b"a", 2, 0)], "width 4 or 8"),
        ([("x", 1, 2)], "a column is"),
    ],
)
def test_bad_columns_are_refused(columns, message) -> None:
    rows = 2 if columns[0][0] == "s" and len(columns[0][1]) == 3 else 1
    with pytest.raises(ValueError, match=message):
        bulk_output._csvout.write_rows(rows, columns)


def test_reprice_without_the_extension_writes_the_same_file(reference, tmp_path, monkeypatch) -> None:
    """Where the extension could not be built, pyarrow writes the output: the same bytes."""
    from openrvu.pricing.bulk import BulkRepricer
    from openrvu.pricing.contract import DEFAULT_CONTRACT
    from openrvu.pricing.service import PricingService
    from openrvu.pricing.synthetic import synthetic_rows

    rows = synthetic_rows(reference, "RVU25D", 1500, seed=4, rare=0.05, errors=0.02)
    table = pa.Table.from_pylist(rows)
    bulk = BulkRepricer(PricingService(reference), ["RVU25D"])
    built, fallback = tmp_path / "built.csv", tmp_path / "fallback.csv"
    bulk.write_csv(table, DEFAULT_CONTRACT, built, workers=1)
    monkeypatch.setattr(bulk_output, "_csvout", None)
    bulk.write_csv(table, DEFAULT_CONTRACT, fallback, workers=1)
    assert fallback.read_bytes() == built.read_bytes()
    assert built.read_bytes().count(b"\n") == 1501
