"""Grouping and ranking the lines of a claim table with numpy: dense ids, encounters, ranks, chunks.

Claim files list an encounter's lines together and encounters are small, so the fast paths look at
neighbouring lines; every fast path checks its assumption and falls back to hashing or sorting.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from openrvu.pricing.bulk_arrow import _codes, _encode_runs, _flat, _ints, _np, _run_heads


def _dense(values: np.ndarray) -> np.ndarray:
    """Dense ids (0..k-1) of an integer array: a presence table when the values span a small range
    (two passes, no hashing), else by hashing."""
    if not len(values):
        return values.astype(np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low <= 8 * len(values) + 65536:
        shifted = values - low
        present = np.zeros(high - low + 1, dtype=bool)
        present[shifted] = True
        return (np.cumsum(present) - 1)[shifted]
    return _np(pc.dictionary_encode(_ints(values)).indices)


def _group_ids(*keys: np.ndarray) -> np.ndarray:
    """One dense id per distinct combination of the non-negative integer key arrays."""
    ids = keys[0].astype(np.int64)
    for key in keys[1:]:
        ids = ids * (int(key.max()) + 1 if len(key) else 1) + key
    return _dense(ids)


def _first_index(group: np.ndarray) -> np.ndarray:
    """For each group id, the index of its first line."""
    first = np.zeros(int(group.max()) + 1 if len(group) else 0, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    return first


# Groups of up to this many ranked lines are ranked by comparing neighbours, larger ones by sorting.
_WINDOW = 8


def _ranked(group, amount, ties, n, mask):
    """Rank the masked lines within each group by amount (desc), then the tie keys (engine order).

    Returns (first position of each line, total positions of its group); zeros outside ``mask``.
    Encounters are small and their lines mostly adjacent, so each line is compared with the masked
    lines up to ``_WINDOW - 1`` places away (a few passes over the arrays instead of a sort); a group
    whose lines are not all within that reach is ranked by ``_ranked_sorted``.
    """
    size = len(group)
    first = np.zeros(size, dtype=np.int64)
    total = np.zeros(size, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return first, total
    tie = _packed_ties([t[idx] for t in ties])
    if tie is None:
        return _ranked_sorted(group, amount, ties, n, mask)
    g, nn, a = group[idx], n[idx], amount[idx]
    count = np.bincount(g)
    units = np.bincount(g, weights=nn).astype(np.int64)
    before = np.zeros(len(idx), dtype=np.int64)
    partners = np.zeros(len(idx), dtype=np.int64)
    reach = min(int(count.max()), _WINDOW)
    for d in range(1, reach):
        same = g[:-d] == g[d:]
        # the earlier line goes first on a higher amount, or an equal amount and a lower-or-equal tie key
        ahead = (a[:-d] > a[d:]) | ((a[:-d] == a[d:]) & (tie[:-d] <= tie[d:]))
        before[d:] += np.where(same & ahead, nn[:-d], 0)
        before[:-d] += np.where(same & ~ahead, nn[d:], 0)
        partners[d:] += same
        partners[:-d] += same
    first[idx] = before + 1
    total[idx] = units[g]
    missed = partners != count[g] - 1
    if missed.any():
        far = np.zeros(len(count), dtype=bool)
        far[g[missed]] = True
        sub = np.zeros(size, dtype=bool)
        sub[idx[far[g]]] = True
        f2, t2 = _ranked_sorted(group, amount, ties, n, sub)
        first = np.where(sub, f2, first)
        total = np.where(sub, t2, total)
    return first, total


def _packed_ties(ties: list[np.ndarray]) -> np.ndarray | None:
    """The tie keys (non-negative ints) packed into one int64 with the same order; None when too wide."""
    packed = np.zeros(len(ties[0]), dtype=np.int64)
    bits = 0
    for t in ties:
        if len(t) and int(t.min()) < 0:
            return None
        width = int(t.max()).bit_length() if len(t) else 0
        bits += width
        if bits > 62:
            return None
        packed = (packed << width) | t
    return packed


def _ranked_sorted(group, amount, ties, n, mask):
    """``_ranked`` by sorting (any group size and order)."""
    size = len(group)
    first = np.zeros(size, dtype=np.int64)
    total = np.zeros(size, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return first, total
    order = idx[np.lexsort((idx, *[t[idx] for t in reversed(ties)], -amount[idx], group[idx]))]
    g, nn = group[order], n[order]
    cs = np.cumsum(nn)
    start = cs - nn
    new = np.ones(len(order), dtype=bool)
    new[1:] = g[1:] != g[:-1]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    first[order] = start - start[group_start] + 1
    ends = np.flatnonzero(np.append(new[1:], True))
    group_total = cs[ends] - start[group_start[ends]]
    total[order] = group_total[np.cumsum(new) - 1]
    return first, total


def _cumcount(key: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each key, in line order."""
    order = np.lexsort((np.arange(len(key)), key))
    k = key[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = k[1:] != k[:-1]
    start = np.maximum.accumulate(np.where(new, np.arange(len(k)), 0))
    out = np.empty(len(key), dtype=np.int64)
    out[order] = np.arange(len(k)) - start
    return out


def _encounter_hash(ids: pa.ChunkedArray, dates: np.ndarray) -> np.ndarray:
    """A hash (non-negative int64) per line that is equal for the lines of one encounter.

    It reads the last 8 bytes and the length of each id, and the date's code: equal (id, date), equal
    hash, which is all that splitting into chunks of whole encounters needs (ids that share those bytes
    merely share a chunk). Dictionary-encoding a million distinct ids took ~0.4 s of CPU, this ~0.1 s.
    """
    text = _flat(ids).cast(pa.large_string())
    offsets = np.frombuffer(text.buffers()[1], dtype="<i8", count=len(text) + 1 + text.offset)[text.offset :]
    data = text.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    padded = np.concatenate([np.zeros(8, np.uint8), raw])
    # every byte offset read as a little-endian uint64: word[e] holds the 8 bytes before raw[e]
    word = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    length = np.minimum(np.diff(offsets), 8).astype(np.uint64)
    keep = np.where(length > 0, ~np.uint64(0) << ((np.uint64(8) - length) * np.uint64(8)), 0)
    tail = word[offsets[1:]] & keep.astype(np.uint64)  # the id's last (up to) 8 bytes
    h = tail ^ (np.diff(offsets).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ dates.astype(np.uint64)
    h ^= h >> np.uint64(31)  # mix, so that h % chunks uses every byte
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(29)
    return (h >> np.uint64(1)).astype(np.int64)


def _encounters(ids: pa.ChunkedArray, date_codes: np.ndarray) -> np.ndarray:
    """A dense id per distinct (encounter id, date) of each line.

    An encounter's lines are usually adjacent: each run of equal (id, date) is one encounter when the
    runs' hashes all differ (checked on the first line of each run); otherwise the runs' ids are
    hashed exactly, so that runs with the same (id, date) get the same id wherever they are.
    """
    head = _run_heads(ids)
    head[1:] |= date_codes[1:] != date_codes[:-1]
    run = np.cumsum(head) - 1
    heads = np.flatnonzero(head)
    first_ids = ids.take(_ints(heads))
    hashes = np.sort(_encounter_hash(first_ids, date_codes[heads]))  # (np.unique hashes: 10x slower)
    if not (hashes[1:] == hashes[:-1]).any():
        return run
    return _group_ids(_codes(first_ids), date_codes[heads])[run]


def _cut_points(table: pa.Table, chunks: int) -> np.ndarray:
    """Line numbers that cut the table into about ``chunks`` consecutive slices, each cut moved down to
    the next line whose (encounter id, date) differs from the line before it."""
    size = table.num_rows
    ids, dates = table.column("encounter_id"), table.column("date")
    bounds = [0]
    for k in range(1, chunks):
        cut = max(k * size // chunks, bounds[-1] + 1)
        while 0 < cut < size:
            end = min(size, cut + 256)
            keys = list(
                zip(
                    ids.slice(cut - 1, end - cut + 1).to_pylist(),
                    dates.slice(cut - 1, end - cut + 1).to_pylist(),
                    strict=True,
                )
            )
            step = next((j for j in range(1, len(keys)) if keys[j] != keys[j - 1]), None)
            if step is not None:
                cut += step - 1
                break
            cut = end
        if cut < size:
            bounds.append(cut)
    return np.array([*bounds, size], dtype=np.int64)


def _encounter_keys(table: pa.Table) -> np.ndarray:
    """The distinct hashes of the (encounter id, date) of a table's lines, sorted; read on the first
    line of each run of equal (id, date). Two tables with no hash in common share no encounter."""
    ids, dates = table.column("encounter_id"), table.column("date")
    if not table.num_rows:
        return np.zeros(0, dtype=np.int64)
    date_codes, date_values = _encode_runs(dates)
    head = _run_heads(ids)
    head[1:] |= date_codes[1:] != date_codes[:-1]
    heads = np.flatnonzero(head)
    # the date by a hash of its text (its code is numbered per table)
    date_hash = np.array([zlib.crc32(v.encode()) for v in date_values], dtype=np.int64)
    hashes = np.sort(_encounter_hash(ids.take(_ints(heads)), date_hash[date_codes[heads]]))
    return hashes[np.append(True, hashes[1:] != hashes[:-1])]


def _disjoint(keys: list[np.ndarray]) -> bool:
    """No value in two of the (deduplicated) arrays."""
    every = np.sort(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    return not bool((every[1:] == every[:-1]).any())
