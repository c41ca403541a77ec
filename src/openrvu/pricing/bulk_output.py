"""The output columns of bulk repricing, and their CSV text.

The repricer's outputs stay integers until they are written: ``Coded`` (codes into a few distinct
texts: release, rules, error) and ``Money`` (hundredths: allowed, wRVU). ``csv_lines`` writes the input
columns and these straight into CSV text with the compiled ``_csvout`` writer; ``arrow`` turns them into
string arrays for a table (and for pyarrow's CSV writer where the extension is not built). Both give the
same text (``tests/test_pricing_csvout.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from openrvu.pricing.bulk_arrow import _flat, _money, _pick, _put, _utf8

try:  # built by ``pip install`` (setup.py); optional where no C compiler is at hand
    from openrvu.pricing import _csvout
except ImportError:  # pragma: no cover - the suite checks that it is built
    _csvout = None  # type: ignore[assignment]

OUTPUT_NAMES = ("release", "allowed", "wrvu", "rules", "error")
_MONEY_TEXT = re.compile(r"\d+\.\d\d")


@dataclass
class Coded:
    """A string column as codes (one per line) into a list of distinct texts."""

    texts: list[str]
    codes: np.ndarray

    def put(self, positions: np.ndarray, values: list[str]) -> Coded:
        """This column with ``values`` at ``positions``."""
        texts = list(self.texts)
        index = {text: i for i, text in enumerate(texts)}
        for value in values:
            if value not in index:
                index[value] = len(texts)
                texts.append(value)
        codes = self.codes.copy()
        codes[positions] = [index[v] for v in values]
        return Coded(texts, codes)


@dataclass
class Money:
    """Hundredths (>= 0) written as ``12.34``; ``""`` where ``mask`` is false."""

    value: np.ndarray
    mask: np.ndarray

    def put(self, positions: np.ndarray, values: list[str]) -> Money | pa.Array:
        """This column with the texts ``values`` at ``positions`` (as a string array if one of them is
        not plain money text)."""
        if not all(v == "" or _MONEY_TEXT.fullmatch(v) for v in values):
            return _put(arrow(self), positions, values)
        value, mask = self.value.copy(), self.mask.copy()
        value[positions] = [int(v.replace(".", "")) if v else 0 for v in values]
        mask[positions] = [v != "" for v in values]
        return Money(value, mask)


Column: TypeAlias = pa.Array | Coded | Money


def arrow(column: Column) -> pa.Array:
    """A column as an arrow string array."""
    if isinstance(column, Coded):
        return _pick(column.texts, column.codes)
    if isinstance(column, Money):
        return _money(column.value, column.mask)
    return column


def put(column: Column, positions: np.ndarray, values: list[str]) -> Column:
    """``column`` with ``values`` at ``positions`` (ascending)."""
    if isinstance(column, Coded | Money):
        return column.put(positions, values)
    return _put(column, positions, values)


def with_outputs(table: pa.Table, out: dict[str, Column]) -> pa.Table:
    """The table with the output columns appended (replacing input columns of the same names)."""
    result = table
    for name in OUTPUT_NAMES:
        if name in result.column_names:
            result = result.drop_columns([name])
        result = result.append_column(name, arrow(out[name]))
    return result


def csv_text(table: pa.Table, header: bool) -> pa.Buffer:
    """A table as the CSV text ``openrvu reprice`` writes (pyarrow's: every string field quoted)."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header, quoting_style="needed"))
    return sink.getvalue()


def csv_lines(table: pa.Table, out: dict[str, Column], header: bool) -> list[bytes | pa.Buffer]:
    """The CSV text of ``table`` with the outputs appended, in parts to be written one after the other:
    the same text as ``csv_text(with_outputs(table, out), header)``."""
    inputs = [name for name in table.column_names if name not in OUTPUT_NAMES]
    plain = table.select(inputs)
    if _csvout is None or any(
        not (pa.types.is_string(c.type) or pa.types.is_large_string(c.type)) or c.null_count
        for c in plain.columns
    ):
        return [csv_text(with_outputs(table, out), header)]
    outputs = [_spec(out[name]) for name in OUTPUT_NAMES]
    parts: list[bytes | pa.Buffer] = []
    if header:
        parts.append(_header([*inputs, *OUTPUT_NAMES]))
    start = 0
    for batch in plain.to_batches():
        stop = start + batch.num_rows
        specs = [_string_spec(col) for col in batch.columns]
        specs += [_slice(spec, start, stop) for spec in outputs]
        parts.append(_csvout.write_rows(batch.num_rows, specs))
        start = stop
    if start != table.num_rows:  # the batches cover the table (a table without batches has no rows)
        raise AssertionError(f"batches cover {start} of {table.num_rows} lines")
    return parts


def _header(names: list[str]) -> bytes:
    texts = _utf8(names)
    return _csvout.write_rows(1, [("c", np.array([k], dtype=np.int64), *texts) for k in range(len(names))])


def _string_spec(array: pa.Array) -> tuple:
    """The writer's view of an arrow string array (its buffers, no copy)."""
    buffers = array.buffers()
    width = 8 if pa.types.is_large_string(array.type) else 4
    return ("s", buffers[1], buffers[2], width, array.offset)


def _spec(column: Column) -> tuple:
    if isinstance(column, Coded):
        return ("c", np.ascontiguousarray(column.codes, dtype=np.int64), *_utf8(column.texts))
    if isinstance(column, Money):
        return (
            "m",
            np.ascontiguousarray(column.value, dtype=np.int64),
            np.ascontiguousarray(column.mask, dtype=np.uint8),
        )
    return ("a", _flat(column))


def _slice(spec: tuple, start: int, stop: int) -> tuple:
    """Lines ``start:stop`` of an output column's spec."""
    kind = spec[0]
    if kind == "c":
        return ("c", spec[1][start:stop], spec[2], spec[3])
    if kind == "m":
        return ("m", spec[1][start:stop], spec[2][start:stop])
    return _string_spec(spec[1].slice(start, stop - start))
