"""Arrow columns <-> numpy arrays for the bulk repricer: dictionary codes, string columns, money text.

Arrow arrays are built from their buffers and read back the same way: ``pa.array`` on Python or numpy
objects makes pyarrow import pandas (when installed) to check the objects' types, which costs seconds
per process.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _ints(values: np.ndarray) -> pa.Array:
    """An arrow int64 array over a numpy array (no copy when it is already contiguous int64)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array of a column's chunks (no copy when it is one already)."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _np(array: pa.Array) -> np.ndarray:
    """An arrow integer array without nulls as numpy int64 (read from its buffer)."""
    width = array.type.bit_width // 8
    raw = np.frombuffer(array.buffers()[1], dtype=f"<i{width}", count=len(array) + array.offset)
    return raw[array.offset :].astype(np.int64)


def _texts(array: pa.Array) -> list[str]:
    """An arrow string array without nulls as a list of Python strings (read from its buffers)."""
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype="<i8", count=len(array) + 1 + array.offset)[
        array.offset :
    ]
    data = array.buffers()[2].to_pybytes() if array.buffers()[2] is not None else b""
    bounds = offsets.tolist()
    return [data[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(len(array))]


def _flags(array: pa.BooleanArray) -> np.ndarray:
    """An arrow boolean array as numpy booleans, from its bits (null counts as True)."""
    size, offset = len(array), array.offset
    values = np.unpackbits(np.frombuffer(array.buffers()[1], dtype=np.uint8), bitorder="little")
    out = values[offset : offset + size].astype(bool)
    if array.null_count:
        valid = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
        out |= ~valid[offset : offset + size].astype(bool)
    return out


def _bools(mask: np.ndarray) -> pa.Array:
    return pc.cast(_ints(mask.astype(np.int64)), pa.bool_())


def _utf8(values: list[str]) -> tuple[np.ndarray, bytes]:
    """Python strings as one UTF-8 buffer and the int64 offsets of each (len + 1 of them)."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(v) for v in encoded], dtype=np.int64)
    return offsets, b"".join(encoded)


def _strs(values: list[str]) -> pa.Array:
    """An arrow string array of a list of Python strings."""
    offsets, data = _utf8(values)
    return pa.Array.from_buffers(
        pa.large_string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    ).cast(pa.string())


def _pick(values: list[str], choice: np.ndarray) -> pa.Array:
    """``values[choice[i]]`` for each line, as an arrow string array."""
    return pc.take(_strs(values), _ints(choice))


def _put(column: pa.Array, positions: np.ndarray, values: list[str]) -> pa.Array:
    """``column`` with ``values`` at ``positions`` (ascending)."""
    mask = np.zeros(len(column), dtype=bool)
    mask[positions] = True
    order = np.argsort(positions, kind="stable")
    return pc.replace_with_mask(column, _bools(mask), _strs([values[i] for i in order]))


# "00".."99" as little-endian uint16 pairs of ASCII digits: two digits written per array pass
_PAIRS = np.array([ord(str(i // 10)) | ord(str(i % 10)) << 8 for i in range(100)], dtype=np.uint16)


def _money(value: np.ndarray, mask: np.ndarray) -> pa.Array:
    """Integer hundredths (>= 0) -> '12.34' strings; '' where ``mask`` is false.

    Each line's text is written right-aligned into a row of a byte matrix (the whole part two digits
    per pass, through a table of digit pairs), and the used bytes of the rows become the arrow string
    data: a few passes over the arrays instead of a Python string per line.
    """
    value = np.where(mask, value, 0)
    if len(value) and int(value.min()) < 0:
        raise ValueError("money below zero cannot be formatted here")
    whole = value // 100
    digits = len(str(int(whole.max()))) if len(whole) else 1
    pairs = (digits + 1) // 2
    width = 2 * pairs + 4  # row: whole digits | "." | 2 cents digits | one unused byte
    buf = np.empty((len(value), width), dtype=np.uint8)
    words = buf.view(np.uint16)
    rest = whole
    for k in range(pairs):
        quotient = rest // 100
        words[:, -3 - k] = _PAIRS[rest - quotient * 100]
        rest = quotient
    cents = value - whole * 100
    tens = cents // 10
    buf[:, -4] = ord(".")
    buf[:, -3] = 48 + tens
    buf[:, -2] = 48 + cents - 10 * tens
    length = np.full(len(value), 4, dtype=np.int64)
    for k in range(1, digits):
        length += whole >= 10**k
    length = np.where(mask, length, 0)
    start = (width - 1 - length).astype(np.uint8)
    used = np.arange(width, dtype=np.uint8)[None, :] >= start[:, None]
    used[:, -1] = False
    offsets = np.zeros(len(value) + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_string(), len(value), [None, pa.py_buffer(offsets), pa.py_buffer(buf[used])]
    ).cast(pa.string())


def _encode(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a string column: (codes per line, distinct values)."""
    enc = pc.dictionary_encode(column).combine_chunks()
    return _np(enc.indices), _texts(enc.dictionary)


def _run_heads(column: pa.ChunkedArray) -> np.ndarray:
    """True on each line whose value differs from the line before (and on the first line)."""
    flat = _flat(column)
    head = np.ones(len(flat), dtype=bool)
    if len(flat) > 1:
        head[1:] = _flags(pc.not_equal(flat.slice(1), flat.slice(0, len(flat) - 1)))
    return head


def _encode_runs(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """``_encode`` for a column whose values come in runs (one per encounter): only each run's first
    value is hashed. Same codes and values as ``_encode`` (both number values by first appearance)."""
    head = _run_heads(column)
    heads = np.flatnonzero(head)
    if len(heads) * 2 > len(head):
        return _encode(column)
    codes, values = _encode(column.take(_ints(heads)))
    return codes[np.cumsum(head) - 1], values


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """Dense codes of a string column (its distinct values are not needed)."""
    return _np(pc.dictionary_encode(column).combine_chunks().indices)
