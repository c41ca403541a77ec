"""Vectorized repricing of a claim file: the engine's rules as int64 array arithmetic.

The results are identical to the per-line Decimal engine (``tests/test_pricing_bulk.py`` checks it on
thousands of varied real lines). Only these go through the engine itself, record by record: lines with
an error (so the message is the engine's), a contract with a frozen release, amounts too large for
int64, and the encounters whose optional columns give anesthesia minutes or base units, a -52
percentage, or a bad or mixed provider/participation. (NPP and non-par lines, and endoscopy families
billed bilaterally, are vectorized: ``tests/test_pricing_reprice_optional.py``,
``tests/test_pricing_bulk_endo.py``.)

Scales: RVU x100, GPCI x1000, CF x10000, percentages x100. Effective RVUs are x10**6 and a line's
amount x10**13 dollars, rounded half-up to cents once. Modifier percentages (52, 54-56, 62, 80-82,
AS) come from the engine's own ``modifier_effects`` and are applied as exact integer ratios to the
exact integer amount.

Where the time goes is kept small by working per distinct value (codes, modifiers, places of service
are hashed once per file chunk, rules texts built once per distinct combination), by ranking the lines
of an encounter against their neighbours (encounters are small and adjacent in claim files; other
layouts fall back to sorting), and by pricing large files in consecutive chunks of whole encounters,
shared with a forked second process that also writes its own chunks' CSV (``bulk_chunks``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from openrvu.pricing.arrays import KIND_ANES, KIND_CONTRACTOR, KIND_NONE, KIND_PAY, ROW_MODS, RefArrays
from openrvu.pricing.bulk_arrow import _encode, _encode_runs, _flat, _ints
from openrvu.pricing.bulk_chunks import (
    BulkStats,
    ChunkSink,
    chunk_count,
    default_workers,
    run_chunks,
)
from openrvu.pricing.bulk_groups import (
    _cumcount,
    _dense,
    _encounters,
    _first_index,
    _group_ids,
    _ranked,
)
from openrvu.pricing.bulk_output import (
    OUTPUT_NAMES,
    Coded,
    Column,
    Money,
    arrow,
    csv_lines,
    put,
    with_outputs,
)
from openrvu.pricing.contract import Contract
from openrvu.pricing.engine import SurgeryIndicators, modifier_effects
from openrvu.pricing.errors import PricingError
from openrvu.pricing.modifiers import INFORMATIONAL_MODIFIERS, check_modifiers, parse_modifiers
from openrvu.pricing.pos import normalize_pos, place_of_service
from openrvu.pricing.records import (
    REQUIRED_COLUMNS,
    Outcome,
    is_default_record,
    optional_columns,
    parse_date,
    parse_provider,
    parse_units,
    reprice_records,
)
from openrvu.pricing.service import PricingService, parse_locality

FACTOR_MODIFIERS = frozenset({"22", "52", "53", "54", "55", "56", "62", "66", "80", "81", "82", "AS"})
GROUPS = ("img-tc", "img-pc", "cv-tc", "oph-tc", "pe")
RATES = {"img-tc": 50, "img-pc": 5, "cv-tc": 25, "oph-tc": 20, "pe": 50}
CODES = {"img-tc": "13:TC50", "img-pc": "13:PC5", "cv-tc": "13:CV25", "oph-tc": "13:OPH20", "pe": "13:PE50"}
_BILAT = {1: "12:150", 2: "12:200", 3: "12:100", 4: "12:n/a", 5: "12:150-pair", 6: "12:100-pair"}
_ROWMOD_CODE = {1: "8:26", 2: "8:TC", 3: "9:53"}
_INT64_SAFE = 4.0e18


def _map(codes: np.ndarray, values: list, fn: Callable[[str], int], fill: int = -1) -> np.ndarray:
    """Apply ``fn`` to each distinct value once; ``fill`` where it raises PricingError."""
    out = np.full(len(values) + 1, fill, dtype=np.int64)
    for i, v in enumerate(values):
        try:
            out[i] = fn(v)
        except PricingError:
            out[i] = fill
    return out[codes]


def _per_value(
    codes: np.ndarray, values: list[tuple[str, ...]], fn: Callable[[tuple[str, ...]], bool]
) -> np.ndarray:
    """A boolean per line from a test on its distinct modifier tuple."""
    return np.array([fn(v) for v in values] + [fn(())], dtype=bool)[codes]


class BulkRepricer:
    """Reprices tables of claim lines against a reference database; reuse it across files."""

    def __init__(self, service: PricingService, releases: list[str], cache_dir: Path | None = None) -> None:
        self.service = service
        self.ref = RefArrays.for_db(service.db, releases, cache_dir)
        self.release_names = releases
        self._mod_rule_texts: list[str] = [""]
        self._table: np.ndarray | None = None  # _row_table, built on first use
        self._pid = os.getpid()

    def reprice(
        self,
        table: pa.Table,
        contract: Contract,
        chunk_lines: int = 500_000,
        workers: int | None = None,
    ) -> tuple[pa.Table, BulkStats]:
        """The input table with ``release, allowed, wrvu, rules, error`` appended, and how it went.

        Large tables are priced in chunks of whole encounters (about ``chunk_lines`` lines each), which
        bounds the memory of the intermediate arrays; every line keeps its place. With ``workers`` > 1
        the chunks are shared with forked worker processes (``None``: 2 processes for tables of at least
        ``PARALLEL_MIN_LINES`` lines when two cores are free to us, else 1); the output is the same.
        """
        out, stats = self._outputs(table, contract, chunk_lines, workers)
        return with_outputs(table, out), stats

    def _outputs(
        self, table: pa.Table, contract: Contract, chunk_lines: int, workers: int | None
    ) -> tuple[dict[str, Column], BulkStats]:
        """The output columns of a table, in line order."""
        parts, stats, order = run_chunks(self, table, contract, chunk_lines, workers, None)
        if order is None:
            out = {name: pa.chunked_array([arrow(part[name]) for part in parts]) for name in OUTPUT_NAMES}
        else:
            back = np.empty(len(order), dtype=np.int64)
            back[order] = np.arange(len(order))
            out = {
                name: pc.take(pa.concat_arrays([_flat(arrow(part[name])) for part in parts]), _ints(back))
                for name in OUTPUT_NAMES
            }
        return out, stats

    def write_csv(
        self,
        table: pa.Table,
        contract: Contract,
        path: Path,
        chunk_lines: int = 500_000,
        workers: int | None = None,
    ) -> BulkStats:
        """``reprice``, written to ``path`` (a regular file, created or emptied) as CSV: the same text
        as ``csv_text`` of the repriced table. Each process writes its own chunks in place, so that
        the writing is shared too."""
        if workers is None:
            workers = default_workers(table.num_rows)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            sink = ChunkSink(fd, chunk_count(table, chunk_lines, workers))
            _, stats, order = run_chunks(self, table, contract, chunk_lines, workers, sink)
            if order is not None:  # chunks of scattered lines: back in line order, then written again
                out, stats = self._outputs(table, contract, chunk_lines, workers)
                sink.rewrite(csv_lines(table, out, header=True))
        finally:
            os.close(fd)
        return stats

    def _columns(self, table: pa.Table, contract: Contract) -> tuple[dict[str, Column], BulkStats]:
        """The five output columns of a table of whole encounters."""
        cols = {name: table.column(name) for name in REQUIRED_COLUMNS}
        size = table.num_rows
        ref = self.ref
        if not len(ref.kind):  # no loaded release covers any line's date: each line gets its error
            none = np.zeros(size, dtype=np.int64)
            out: dict[str, Column] = {
                "release": Coded([""], none),
                "allowed": Money(none, none.astype(bool)),
                "wrvu": Money(none, none.astype(bool)),
                "rules": Coded([""], none),
                "error": Coded([""], none),
            }
            stats = BulkStats(lines=size)
            if size:
                self._engine_lines(table, np.arange(size), contract, out, stats)
            return out, stats
        rel_of = {name: i for i, name in enumerate(self.release_names)}

        units = _map(*_encode(cols["units"]), parse_units, fill=-(2**40))
        date_codes, date_values = _encode_runs(cols["date"])
        rel = _map(
            date_codes, date_values, lambda t: rel_of.get(self.service.release_name(parse_date(t)), -1)
        )
        mod_codes, mod_values = _encode(cols["modifiers"])
        mods = [parse_modifiers(v) for v in mod_values]
        mod_ok = _per_value(mod_codes, mods, _checks)
        pos_codes, pos_values = _encode_runs(cols["pos"])
        fac = _map(pos_codes, pos_values, lambda v: int(place_of_service(v).facility))
        tele = _map(pos_codes, pos_values, lambda v: {"02": 1, "10": 2}.get(normalize_pos(v), 0), fill=0)
        hc_codes, hc_values = _encode(cols["hcpcs"])
        hcpcs = [v.strip().upper() for v in hc_values]
        loc_codes, loc_values = _encode_runs(cols["locality_or_zip"])
        carrier_loc = [self._carrier_locality(v) for v in loc_values]
        ri = self._rows(rel, hc_codes, hcpcs, mod_codes, mods)
        gi = self._gpcis(rel, loc_codes, carrier_loc)

        has = {m: _per_value(mod_codes, mods, _contains(m)) for m in ("50", "RT", "LT")}
        factor_line = _per_value(mod_codes, mods, lambda ms: bool(FACTOR_MODIFIERS & set(ms)))
        safe_ri = np.where(ri < 0, 0, ri)
        kind = ref.kind[safe_ri]
        error = (units <= 0) | (rel < 0) | ~mod_ok | (fac < 0) | (ri < 0) | (gi < 0) | (kind == KIND_ANES)
        error |= has["50"] & (units != 1)
        split = _per_value(mod_codes, mods, lambda ms: bool({"54", "55", "56"} & set(ms)))
        error |= split & ~ref.split_sum[safe_ri]
        ok = ~error
        fac_b = fac == 1
        safe_gi = np.where(gi < 0, 0, gi)
        n_units = np.where(error, 1, units)
        enc = _encounters(cols["encounter_id"], date_codes)
        pay = ok & (kind == KIND_PAY)
        mult, status, zzz, bilat = (
            ref.mult[safe_ri],
            ref.status[safe_ri],
            ref.zzz[safe_ri],
            ref.bilat[safe_ri],
        )

        w, pe, mp, capped = ref.setting_comps(safe_ri, fac_b, safe_gi)
        gw, gpe, gmp = ref.gw[safe_gi], ref.gpe[safe_gi], ref.gmp[safe_gi]
        cf = ref.cf[safe_ri]
        unit_fee = (w * gw + pe * gpe + mp * gmp) * cf  # x10**9
        slow_line = ok & (np.abs(unit_fee.astype(np.float64)) * 2.0e4 * n_units > _INT64_SAFE)

        # bilateral (rule 12): -50, 2 units, RT+LT pairs
        b, b_off, bcode = self._bilateral(pay, has, bilat, n_units)
        rep = np.arange(size)
        pair_rep, pair_b, pair_code = self._pairs(
            pay
            & ~has["50"]
            & (n_units == 1)
            & (has["RT"] != has["LT"])
            & np.isin(bilat, [ord("0"), ord("1"), ord("2")]),
            enc,
            hc_codes,
            self.ref.row_mod[safe_ri],
            has["RT"],
            bilat,
        )
        paired = pair_rep >= 0
        b = np.where(paired, pair_b, b)
        b_off = np.where(paired, 100, b_off)
        bcode = np.where(paired, pair_code, bcode)
        rep = np.where(paired, pair_rep, rep)
        n = np.where(bcode > 0, 1, n_units)

        # endoscopy families (rule 13, indicator 3)
        rank_ok = pay & np.isin(mult, [ord("1"), ord("2"), ord("3")]) & ~zzz & (status != ord("T"))
        ties = self._ties(safe_ri, mod_codes, mods, n_units)
        fam = self._families(rank_ok, safe_ri, enc, mult, n_units, unit_fee, ties, fac_b, safe_gi)
        in_family, fi, fam_rep, sub_units, base_w, base_pe, base_mp, fam_amount = fam
        slow_enc = np.zeros(int(enc.max()) + 1 if size else 0, dtype=bool)
        slow_enc[enc[slow_line]] = True
        npp, nonpar = self._provider(table, enc, slow_enc)
        if contract.frozen_release:
            slow_enc[:] = True
        fast = ok & ~slow_enc[enc]
        b[fi] = 100
        rep[fi] = fam_rep
        n_rank = n.copy()
        n_rank[fi] = 1

        # multiple procedures, indicators 1/2/3: rank the representative of each item, copy to its members
        amount_rank = np.where(paired, unit_fee * b * 2, unit_fee * b)
        amount_rank[fi] = fam_amount * 100
        rmask = fast & rank_ok & (rep == np.arange(size))
        first, total = _ranked(enc, amount_rank, ties, n_rank, rmask)
        first, total = first[rep], total[rep]
        ranked = fast & rank_ok & (total >= 2)
        nr = n_rank[rep]
        last = first + nr - 1
        ind1 = mult[rep] == ord("1")
        c1 = ranked & (first == 1)
        c2 = ranked & ind1 & (first <= 2) & (last >= 2)
        c3 = np.where(ranked & ind1, nr - c1 - c2, 0)
        halves = np.where(ind1, c2, nr - c1)
        f = np.where(ranked, 100 * c1 + 50 * halves + 25 * c3, 100 * nr)
        flags = {
            "13:100": c1,
            "13:50": ranked & (halves > 0),
            "13:25": ranked & ind1 & (c3 > 0),
            "13:by-report": ranked & (last >= 6),
        }

        # effective RVUs (x10**6)
        # (a family line: its units less the base's, x100 as its b is)
        eff = [comp * b * f for comp in (w, pe, mp)]
        for e, comp, base in zip(eff, (w, pe, mp), (base_w, base_pe, base_mp), strict=True):
            e[fi] = (comp[fi] * n_units[fi] - base * sub_units) * 100 * f[fi]
        credit_b = b if contract.reduces("bilateral") else b_off
        mp_on = contract.reduces("multiple_procedure")
        work = ref.work[safe_ri]
        if mp_on:
            wc = work * credit_b * f
            wc[fi] = (work[fi] * n_units[fi] - base_w * sub_units) * 100 * f[fi]
        else:
            wc = work * credit_b * 100 * n

        applied, wc = self._components(
            fast & pay & ~zzz,
            safe_ri,
            fac_b,
            safe_gi,
            enc,
            mult,
            w,
            pe,
            mp,
            gw,
            gpe,
            gmp,
            cf,
            ties,
            n,
            b,
            credit_b,
            mp_on,
            eff,
            wc,
        )
        amount = (eff[0] * gw + eff[1] * gpe + eff[2] * gmp) * cf
        others = np.bincount(enc, weights=pay & fast & (status != ord("T")), minlength=len(slow_enc))
        is_t = pay & (status == ord("T"))
        t_bundled = is_t & (others[enc] > 0)
        factor = np.where(npp, 8500, 10000) * np.where(nonpar, 9500, 10000) // 10000  # x10**4 (rule 19)
        cents = _cents(np.maximum(amount, 0), factor)
        cents = np.where(t_bundled | (kind == KIND_NONE), 0, cents)
        exact_on = fast & pay & ~t_bundled & (amount > 0)  # an amount that NPP/non-par can reduce
        work_units = work * n_units * 10**4
        not_paid_credit = work_units if contract.credit_non_payable else 0
        wc = np.where(t_bundled | (kind == KIND_NONE), not_paid_credit, wc)
        wc = np.where(kind == KIND_CONTRACTOR, work_units, wc)
        wrvu = (np.maximum(wc, 0) + 5000) // 10000
        allowed_ok = fast & (kind != KIND_CONTRACTOR)

        mod_rule = np.zeros(size, dtype=np.int64)
        fx = np.flatnonzero(fast & pay & factor_line)
        if len(fx):
            mod_rule = self._factor_lines(
                fx,
                safe_ri,
                mod_codes,
                mods,
                contract,
                amount,
                factor,
                wc,
                t_bundled,
                (cents, allowed_ok, wrvu, exact_on),
            )
        rules = self._rules(
            fast,
            fac_b,
            safe_ri,
            tele,
            capped & pay,
            kind,
            status,
            bcode,
            in_family,
            flags,
            applied,
            zzz & pay,
            is_t,
            t_bundled,
            mod_rule,
            mod_codes,
            mods,
            exact_on & npp,
            exact_on & nonpar,
        )
        out = {
            "release": Coded(
                [*self.release_names, ""], np.where(fast & (rel >= 0), rel, len(self.release_names))
            ),
            "allowed": Money(cents, allowed_ok),
            "wrvu": Money(wrvu, fast),
            "rules": rules,
            "error": Coded([""], np.zeros(size, dtype=np.int64)),
        }
        stats = BulkStats(lines=size, vectorized=int(fast.sum()))
        slow = np.flatnonzero(~fast)
        if len(slow):
            self._engine_lines(table, slow, contract, out, stats)
        return out, stats

    # -- resolution -------------------------------------------------------------------------------------

    def _provider(
        self, table: pa.Table, enc: np.ndarray, slow_enc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """NPP and non-par flags per line from the optional columns; marks in ``slow_enc`` the encounters
        the engine must price: a bad value, lines of one encounter that disagree on the provider (the
        engine's error names them), anesthesia minutes or base units, a -52 percentage."""
        size = table.num_rows
        flags = {"provider": np.zeros(size, dtype=bool), "participation": np.zeros(size, dtype=bool)}
        for name, header in optional_columns(table.column_names).items():
            codes, values = _encode(pc.fill_null(table.column(header), ""))
            if name not in flags:
                default = np.array([is_default_record({name: v}) for v in values], dtype=bool)
                slow_enc[enc[~default[codes]]] = True
                continue
            on = np.zeros(len(values), dtype=np.int64)  # 1: NPP (or non-par), 0: not, -1: a bad value
            for i, value in enumerate(values):
                try:
                    provider = parse_provider({name: value})
                except PricingError:
                    on[i] = -1
                    continue
                on[i] = provider.npp if name == "provider" else not provider.participating
            slow_enc[enc[on[codes] < 0]] = True
            flags[name] = on[codes] > 0
        npp, nonpar = flags["provider"], flags["participation"]
        if npp.any() or nonpar.any():
            who = npp + 2 * nonpar.astype(np.int64)
            low = np.full(len(slow_enc), 4, dtype=np.int64)
            high = np.full(len(slow_enc), -1, dtype=np.int64)
            np.minimum.at(low, enc, who)
            np.maximum.at(high, enc, who)
            slow_enc |= (low != high) & (high >= 0)
        return npp, nonpar

    def _carrier_locality(self, value: str) -> tuple[str, str] | None:
        try:
            parsed = parse_locality(value)
        except PricingError:
            return None
        if isinstance(parsed, str):
            found = self.service.db.zip_locality(parsed)
            return None if found is None else (found.carrier, found.locality)
        return parsed

    def _row_table(self) -> np.ndarray:
        """The RVU row of each (release, code id, row modifier): -1 where there is none, and for the
        extra last release and code (a line with no release, or an unknown code)."""
        ref = self.ref
        position = {name: i for i, name in enumerate(self.release_names)}
        rel_of_row = np.array([position.get(k[0], -1) for k in ref.keys], dtype=np.int64)
        shape = (len(self.release_names) + 1, len(ref.codes) + 1, len(ROW_MODS))
        table = np.full(shape, -1, dtype=np.int64)
        mine = np.flatnonzero(rel_of_row >= 0)
        table[rel_of_row[mine], ref.row_code[mine], ref.row_mod[mine]] = mine
        return table

    def _rows(self, rel, hc_codes, hcpcs, mod_codes, mods) -> np.ndarray:
        """The RVU row of each line: its (release, code, row modifier) in ``_row_table``, the code's
        id looked up once per distinct code."""
        wanted = ["26" if "26" in m else "TC" if "TC" in m else "53" if "53" in m else "" for m in mods]
        want = np.array([ROW_MODS[w] for w in wanted] + [0], dtype=np.int64)[mod_codes]
        code_id = self.ref.code_id
        unknown = len(self.ref.codes)  # the table's last code: no row
        code = np.array([code_id.get(c, unknown) for c in hcpcs] + [unknown], dtype=np.int64)[hc_codes]
        if self._table is None:
            self._table = self._row_table()
        found = self._table[rel, code, want]  # rel -1 (no release): the table's last, empty release
        missing_53 = np.flatnonzero((found < 0) & (want == ROW_MODS["53"]))
        # -53 has its own row for four codes only (rule 9): the others are priced from the global row
        found[missing_53] = self._table[rel[missing_53], code[missing_53], 0]
        return found

    def _gpcis(self, rel, loc_codes, carrier_loc) -> np.ndarray:
        """The GPCI row of each line, looked up once per distinct (release, locality text)."""
        table = np.full((len(self.release_names) + 1, len(carrier_loc) + 1), -1, dtype=np.int64)
        for r, name in enumerate(self.release_names):
            for v, cl in enumerate(carrier_loc):
                if cl is not None:
                    table[r, v] = self.ref.loc_index.get((name, *cl), -1)
        return table[rel, loc_codes]  # rel -1: the last row, all -1

    def _ties(self, ri, mod_codes, mods, units) -> list[np.ndarray]:
        """The engine's tie-break (code, row modifier, sorted modifiers, units) as sortable int arrays."""
        sorted_mods = [tuple(sorted(m)) for m in mods]
        order = {m: i for i, m in enumerate(sorted(set(sorted_mods)))}
        mods_rank = np.array([order[m] for m in sorted_mods] + [0], dtype=np.int64)[mod_codes]
        rowmod_rank = np.array([0, 1, 3, 2], dtype=np.int64)[self.ref.row_mod[ri]]  # "" < 26 < 53 < TC
        return [self.ref.row_code[ri], rowmod_rank, mods_rank, units]

    # -- rules ------------------------------------------------------------------------------------------

    @staticmethod
    def _bilateral(pay, has, bilat, units):
        """Rule 12 per line: the payment percentage b, the credit percentage with no bilateral
        reduction b_off, and the rule's code (0: none); worked out on the few lines with -50 or 2 units."""
        size = len(pay)
        b = np.full(size, 100, dtype=np.int64)
        b_off = b.copy()
        bcode = np.zeros(size, dtype=np.int64)
        sel = np.flatnonzero(pay & (has["50"] | (units == 2)))
        if not len(sel):
            return b, b_off, bcode
        bi, m50 = bilat[sel], has["50"][sel]
        is0, is1, is2, is3 = (bi == ord(c) for c in "0123")
        sb = np.where(m50 & is1, 150, np.where(m50 & is3, 200, 100))
        sc = np.where(m50, np.where(is1, 1, np.where(is3, 2, np.where(is2 | is0, 3, 4))), 0)
        so = np.where(m50 & (is1 | is0), 200, sb)
        u2 = ~m50 & (is1 | is2 | is3)  # 2 units (the only other lines selected)
        sb = np.where(u2, np.where(is1, 150, np.where(is3, 200, 100)), sb)
        sc = np.where(u2, np.where(is1, 1, np.where(is3, 2, 3)), sc)
        so = np.where(u2, np.where(is1, 200, sb), so)
        b[sel], b_off[sel], bcode[sel] = sb, so, sc
        return b, b_off, bcode

    @staticmethod
    def _pairs(single, enc, hc_codes, rowmod, rt, bilat):
        """RT+LT lines of one code pair up in line order; each pair is one bilateral procedure."""
        size = len(single)
        rep = np.full(size, -1, dtype=np.int64)
        b = np.full(size, 100, dtype=np.int64)
        code = np.zeros(size, dtype=np.int64)
        idx = np.flatnonzero(single)
        if not len(idx):
            return rep, b, code
        key = _group_ids(enc[idx], hc_codes[idx], rowmod[idx])
        side = rt[idx].astype(np.int64)
        k = _cumcount(key * 2 + side)
        pairs_in_key = np.minimum(np.bincount(key, weights=side), np.bincount(key, weights=1 - side))
        take = k < pairs_in_key[key]
        sel = idx[take]
        if not len(sel):
            return rep, b, code
        pair = _group_ids(key[take], k[take])
        low = np.full(int(pair.max()) + 1, size, dtype=np.int64)
        np.minimum.at(low, pair, sel)
        rep[sel] = low[pair]
        ind1 = bilat[sel] == ord("1")
        b[sel] = np.where(ind1, 75, 50)
        code[sel] = np.where(ind1, 5, 6)
        return rep, b, code

    def _families(self, rank_ok, ri, enc, mult, units, unit_fee, ties, fac, gi):
        """Endoscopy families: the top code pays in full, the others (code - base), the base alone nothing.

        Returns whether each line is in a family, the family lines (indices), and for each of them: its
        family's representative line, its units less the base's, the base's (work, PE, MP) per unit
        and the family's amount.
        """
        ref = self.ref
        in_family = np.zeros(len(ri), dtype=bool)
        none = np.zeros(0, dtype=np.int64)
        idx3 = np.flatnonzero(rank_ok & ref.endo3[ri])
        if not len(idx3):
            return in_family, none, none, none, none, none, none, none
        width = len(ref.code_id) + 1
        key3 = enc[idx3] * width + ref.base_code[ri[idx3]]
        cand = np.flatnonzero(rank_ok & (mult != ord("3")) & ref.is_base[ri])  # few: base codes only
        cand_key = enc[cand] * width + ref.row_code[ri[cand]]
        hit = np.isin(cand_key, np.unique(key3))
        idx = np.concatenate([idx3, cand[hit]])
        key = np.concatenate([key3, cand_key[hit]])
        is_base = np.concatenate([np.zeros(len(idx3), dtype=bool), np.ones(int(hit.sum()), dtype=bool)])
        g = _dense(key)
        form = np.bincount(g, weights=units[idx])[g] >= 2
        idx, key, is_base, g = idx[form], key[form], is_base[form], g[form]
        if not len(idx):
            return in_family, none, none, none, none, none, none, none
        in_family[idx] = True
        o = np.lexsort((idx, *[t[idx] for t in reversed(ties)], -unit_fee[idx], is_base, g))
        order, base_o = idx[o], is_base[o]
        og = _dense(key[o])
        first = np.ones(len(order), dtype=bool)
        first[1:] = og[1:] != og[:-1]
        top = first & ~base_o
        head = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
        sub_units = np.where(top, units[order] - 1, units[order])
        base_ri = np.where(base_o, ri[order], ref.endo_row[ri[order]])
        w, pe, mp, _ = ref.setting_comps(np.maximum(base_ri, 0), fac[order], gi[order])
        g_o = gi[order]
        base_fee = (w * ref.gw[g_o] + pe * ref.gpe[g_o] + mp * ref.gmp[g_o]) * ref.cf[ri[order]]
        member_amount = unit_fee[order] * units[order] - base_fee * sub_units
        fam_total = np.zeros(int(og.max()) + 1, dtype=np.int64)
        np.add.at(fam_total, og, member_amount)
        return in_family, order, head, sub_units, w, pe, mp, fam_total[og]

    def _components(
        self, base, ri, fac, gi, enc, mult, w, pe, mp, gw, gpe, gmp, cf, ties, n, b, credit_b, mp_on, eff, wc
    ):
        """Indicators 4/5/6/7: reduce a component (TC, PC or PE) of the later procedures of a group.

        Works on the few lines with such an indicator; returns (applied flags per group, credit).
        """
        ref = self.ref
        applied = [np.zeros(len(ri), dtype=bool) for _ in GROUPS]
        sel = np.flatnonzero(base & np.isin(mult, [ord("4"), ord("5"), ord("6"), ord("7")]))
        if not len(sel):
            return applied, wc
        ri, fac, gi, enc, mult, w, pe, mp, gw, gpe, gmp, cf, n, b, credit_b = (
            x[sel] for x in (ri, fac, gi, enc, mult, w, pe, mp, gw, gpe, gmp, cf, n, b, credit_b)
        )
        ties = [t[sel] for t in ties]
        wc = wc.copy()
        is_tc, is_pc = ref.row_mod[ri] == 2, ref.row_mod[ri] == 1
        tc = self._part(ri, ref.tc, fac, gi, (w, pe, mp), is_tc, ((0 * w), pe, mp))
        pcp = self._part(ri, ref.pc, fac, gi, (w, pe, mp), is_pc, (w, 0 * pe, 0 * mp))
        img = (mult == ord("4")) & (ref.imaging[ri] != 99)
        none = np.zeros(len(ri), np.int64)
        members = {
            "img-tc": (img & ~is_pc, ref.imaging[ri], tc),
            "img-pc": (img & ~is_tc, ref.imaging[ri], pcp),
            "cv-tc": ((mult == ord("6")) & ~is_pc, none, tc),
            "oph-tc": ((mult == ord("7")) & ~is_pc, none, tc),
            "pe": (mult == ord("5"), none, (0 * w, pe, 0 * mp)),
        }
        for k, name in enumerate(GROUPS):
            mask, family, (a, p_, m_) = members[name]
            if not mask.any():
                continue
            first, total = _ranked(
                _group_ids(enc, family), (a * gw + p_ * gpe + m_ * gmp) * cf, ties, n, mask
            )
            later = np.where(mask & (total >= 2), np.where(first == 1, n - 1, n), 0)
            red = RATES[name] * b * later
            eff[0][sel] -= a * red
            eff[1][sel] -= p_ * red
            eff[2][sel] -= m_ * red
            if name == "img-pc" and mp_on:
                pc_row = ref.pc[ri]
                pc_work = np.where(is_pc | (pc_row < 0), ref.work[ri], ref.work[np.maximum(pc_row, 0)])
                wc[sel] -= pc_work * RATES[name] * credit_b * later
            applied[k][sel] = later > 0
        return applied, wc

    def _part(self, ri, split, fac, gi, comps, own, default):
        """The TC or PC part per unit of each line (the engine's ``_split``)."""
        other = split[ri]
        sw, spe, smp, _ = self.ref.setting_comps(np.maximum(other, 0), fac, gi)
        have = other >= 0
        return tuple(
            np.where(own, c, np.where(have, s, d))
            for c, s, d in zip(comps, (sw, spe, smp), default, strict=True)
        )

    def _factor_lines(
        self, fx, ri, mod_codes, mods, contract, amount, factor, wc, t_bundled, results
    ) -> np.ndarray:
        """Lines with a payment percentage: the engine's ``modifier_effects``, applied exactly.

        Sets ``cents``, ``allowed_ok`` (False: contractor-priced), ``wrvu`` and ``exact_on`` (a non-zero
        amount) of the lines ``fx`` in place (``results``); ``factor`` is the NPP/non-par factor x10**4.
        Returns the id of each line's modifier rule text (``self._mod_rule_texts``).
        """
        cents, allowed_ok, wrvu, exact_on = results
        ref = self.ref
        rule_ids: dict[str, int] = {"": 0}  # no rule text: nothing written
        self._mod_rule_texts = [""]
        rows = ri[fx]
        # the effects depend only on the row's surgery indicators and which payment modifiers the line
        # has (modifier_effects tests membership only; informational modifiers change nothing)
        sets: dict[frozenset[str], int] = {}
        set_of = [sets.setdefault(FACTOR_MODIFIERS.intersection(m), len(sets)) for m in mods]
        set_id = np.array([*set_of, sets.setdefault(frozenset(), len(sets))], dtype=np.int64)[mod_codes[fx]]
        indicators = (ref.row_mod, ref.pre_op, ref.intra_op, ref.post_op, ref.co_surg, ref.team_surg)
        group = _group_ids(*(x[rows] for x in (*indicators, ref.asst_surg)), set_id)
        effects = []
        for i in fx[_first_index(group)].tolist():
            pay, credit, paid, rules = modifier_effects(
                self._indicators(int(ri[i])), mods[mod_codes[i]], None, contract
            )
            text = " ".join(r.code for r in rules)
            if text not in rule_ids:
                rule_ids[text] = len(self._mod_rule_texts)
                self._mod_rule_texts.append(text)
            effects.append((_ratio(pay), _ratio(credit), paid, rule_ids[text]))
        line_cents, line_ok, line_wrvu, line_rule, line_on = [], [], [], [], []
        for g, amt, f, credit_units, bundled in zip(
            group.tolist(),
            amount[fx].tolist(),
            factor[fx].tolist(),
            wc[fx].tolist(),
            t_bundled[fx].tolist(),
            strict=True,
        ):
            pay_ratio, credit_ratio, paid, rule = effects[g]
            line_rule.append(rule)
            line_ok.append(pay_ratio is not None or bundled or not paid)
            if bundled or not paid or pay_ratio is None:
                line_cents.append(0)
                line_on.append(False)
            else:  # the engine's max(amount, 0) / 10**13 x pay x factor, rounded half-up to cents once
                exact = max(amt, 0) * pay_ratio[0]
                line_cents.append(_half_up(exact * 100 * f, pay_ratio[1] * 10**17))
                line_on.append(exact != 0)
            num, den = (1, 1) if bundled else credit_ratio
            line_wrvu.append(max(_half_up(credit_units * num * 100, den * 10**6), 0))
        cents[fx] = line_cents
        allowed_ok[fx] = line_ok
        wrvu[fx] = line_wrvu
        exact_on[fx] = line_on
        out = np.zeros(len(cents), dtype=np.int64)
        out[fx] = line_rule
        return out

    def _indicators(self, i: int) -> SurgeryIndicators:
        """The surgery indicators of row ``i``, back from the arrays (exact: shares are x100 integers)."""
        ref = self.ref
        return SurgeryIndicators(
            ref.keys[i][2],
            Decimal(int(ref.pre_op[i])).scaleb(-2),
            Decimal(int(ref.intra_op[i])).scaleb(-2),
            Decimal(int(ref.post_op[i])).scaleb(-2),
            chr(ref.co_surg[i]).strip(),
            chr(ref.team_surg[i]).strip(),
            chr(ref.asst_surg[i]).strip(),
        )

    def _rules(
        self,
        fast,
        fac,
        ri,
        tele,
        capped,
        kind,
        status,
        bcode,
        in_family,
        flags,
        applied,
        zzz,
        is_t,
        t_bundled,
        mod_rule,
        mod_codes,
        mods,
        npp_rule,
        nonpar_rule,
    ) -> pa.Array:
        """The rule codes of each line, built once per distinct combination, as the engine writes them."""
        ref = self.ref
        na = np.where(fac, ref.fac_na[ri], ref.nonfac_na[ri])
        bits = [
            fac,
            na,
            capped,
            in_family,
            *flags.values(),
            *applied,
            zzz,
            is_t,
            t_bundled,
            npp_rule,
            nonpar_rule,
        ]
        flat = np.zeros(len(fast), dtype=np.uint32)
        for i, bit in enumerate(bits):  # one pass each over bytes and 4-byte words
            flat += np.asarray(bit, dtype=bool).view(np.uint8) * np.uint32(1 << i)
        packed = flat.astype(np.int64)
        shift = len(bits)
        for value, width in ((tele, 2), (self.ref.row_mod[ri], 2), (kind, 2), (bcode, 3), (status, 7)):
            packed += value << shift
            shift += width
        # the modifiers matter only through the informational ones, written at the end in their order:
        # a text per distinct combination of the rest, then that text + each modifier suffix in use
        info: dict[tuple[str, ...], int] = {}
        info_of = [
            info.setdefault(tuple(m for m in ms if m in INFORMATIONAL_MODIFIERS), len(info)) for ms in mods
        ]
        info_id = np.array([*info_of, info.setdefault((), len(info))], dtype=np.int64)[mod_codes]
        suffixes = ["".join(" mod:" + m for m in ms) for ms in info]
        idx = np.flatnonzero(fast)
        choice = np.zeros(len(fast), dtype=np.int64)
        texts_of = [""]
        if len(idx):
            core = _group_ids(packed[idx], mod_rule[idx])
            firsts = idx[_first_index(core)]
            row_mod = self.ref.row_mod[ri]
            columns = [
                x[firsts].tolist() for x in (fac, na, tele, row_mod, capped, kind, status, bcode, in_family)
            ]
            rank_codes = zip(*[on[firsts].tolist() for on in flags.values()], strict=True)
            comp_codes = zip(*[on[firsts].tolist() for on in applied], strict=True)
            tail = [x[firsts].tolist() for x in (zzz, is_t, t_bundled, mod_rule, npp_rule, nonpar_rule)]
            core_texts = []
            heads, tails = zip(*columns, strict=True), zip(*tail, strict=True)
            for head, rank_on, comp_on, end in zip(heads, rank_codes, comp_codes, tails, strict=True):
                f_, na_, te, rm, cap, kd, st, bc, fam = head
                z, t, tb, mr, np_, nonp = end
                core_texts.append(
                    self._rule_text(
                        f_,
                        na_,
                        te,
                        rm,
                        cap,
                        kd,
                        st,
                        bc,
                        fam,
                        [c for c, on in zip(flags, rank_on, strict=True) if on],
                        [CODES[g] for g, on in zip(GROUPS, comp_on, strict=True) if on],
                        z,
                        t,
                        tb,
                        mr,
                        (),
                        np_,
                        nonp,
                    )
                )
            group = _group_ids(core, info_id[idx])
            pairs = _first_index(group)
            texts_of += [
                core_texts[c] + suffixes[i]
                for c, i in zip(core[pairs].tolist(), info_id[idx[pairs]].tolist(), strict=True)
            ]
            choice[idx] = group + 1
        return Coded(texts_of, choice)

    def _rule_text(
        self,
        fac,
        na,
        tele,
        rowmod,
        capped,
        kind,
        status,
        bcode,
        family,
        rank_codes,
        comp_codes,
        zzz,
        is_t,
        t_bundled,
        mod_rule,
        mods,
        npp=False,
        nonpar=False,
    ) -> str:
        """The engine's rule codes for one line (same order as ``engine._finish``)."""
        codes = ["5:F" if fac else "5:NF"]
        if na:
            codes.append("5:NA")
        if tele:
            codes.append("6:02" if tele == 1 else "6:10")
        if rowmod:
            codes.append(_ROWMOD_CODE[rowmod])
        if kind == KIND_PAY:
            if capped:
                codes.append("18")
            if bcode:
                codes.append(_BILAT[bcode])
            if family:
                codes.append("13:endo")
            codes += rank_codes + comp_codes
            if zzz:
                codes.append("17:ZZZ")
            if mod_rule:
                codes.append(self._mod_rule_texts[mod_rule])
            if is_t:
                codes.append("7:T-bundled" if t_bundled else "7:T")
            elif status == ord("R"):
                codes.append("7:R")
            codes.append("1")
            if npp:
                codes.append("19:NPP")
            if nonpar:
                codes.append("19:nonpar")
        else:
            codes.append("7:" + chr(status))
        codes += ["mod:" + m for m in mods if m in INFORMATIONAL_MODIFIERS]
        return " ".join(codes)

    def _engine_lines(self, table, slow, contract, out, stats) -> None:
        """Price the lines the arrays leave out with the engine, and put their outcomes in place."""
        optional = optional_columns(table.column_names)
        sub = table.take(_ints(slow)).select([*REQUIRED_COLUMNS, *optional.values()])
        sub = pa.table([pc.fill_null(c, "") for c in sub.columns], names=sub.column_names)
        sub = sub.rename_columns([*REQUIRED_COLUMNS, *optional])
        outcomes = reprice_records(self.service, sub.to_pylist(), contract)
        stats.engine = len(slow)
        stats.errors = sum(1 for o in outcomes if o.error)
        texts = {"": 0}
        choice = np.zeros(table.num_rows, dtype=np.int64)
        choice[slow] = [texts.setdefault(o.error, len(texts)) for o in outcomes]
        out["error"] = Coded(list(texts), choice)
        for name in ("release", "allowed", "wrvu", "rules"):
            values = [getattr(o, name) for o in outcomes]
            if any(values):  # else the column already holds "" there (the arrays fill only their lines)
                out[name] = put(out[name], slow, values)


def _cents(amount: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """round_half_up(amount / 10**13 x factor / 10**4) in cents, for amounts >= 0 below 2**63 and factors
    up to 10**4, exactly: the product is split so that no step leaves int64."""
    plain = (amount + 5 * 10**10) // 10**11
    sel = np.flatnonzero(factor != 10000)
    if not len(sel):
        return plain
    a, f = amount[sel], factor[sel]
    high = a // 10**8
    low = a - high * 10**8
    hf = high * f  # < 10**15
    top = hf // 10**7
    plain[sel] = top + ((hf - top * 10**7) * 10**8 + low * f + 5 * 10**14) // 10**15
    return plain


def _ratio(value: Decimal | None) -> tuple[int, int] | None:
    """A Decimal as an exact (numerator, denominator > 0) pair."""
    return None if value is None else value.as_integer_ratio()


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded half away from zero, as ROUND_HALF_UP does."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def _contains(modifier: str) -> Callable[[tuple[str, ...]], bool]:
    return lambda mods: modifier in mods


def _checks(mods: tuple[str, ...]) -> bool:
    try:
        check_modifiers(mods)
    except PricingError:
        return False
    return True


def outcome_rows(table: pa.Table) -> list[Outcome]:
    """The outcome columns of a repriced table (for tests and small files)."""
    cols = [table.column(n).to_pylist() for n in ("release", "allowed", "wrvu", "rules", "error")]
    return [Outcome(*values) for values in zip(*cols, strict=True)]


def releases_for(service: PricingService, dates: list[date]) -> list[str]:
    """The distinct releases in force on some dates (skipping dates with none)."""
    names: list[str] = []
    for d in dates:
        try:
            name = service.release_name(d)
        except PricingError:
            continue
        if name not in names:
            names.append(name)
    return names
