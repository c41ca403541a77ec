"""Vectorized repricing of a claim file: the engine's rules as int64 array arithmetic.

The results are identical to the per-line Decimal engine (``tests/test_pricing_bulk.py`` checks it
on thousands of real lines). Encounters the arrays do not cover go through the engine itself, record
by record: modifiers with a payment percentage (22, 52, 53, 54-56, 62, 66, 80-82, AS, QK/QX/QY), RT/LT
pairs, endoscopy families, a contract with a frozen release, and amounts too large for int64. Lines
with an error are resolved one by one, so their message is the engine's.

Scales: RVU x100, GPCI x1000, CF x10000, percentages x100. Effective RVUs are x10**6, a line's amount
x10**13 dollars, rounded half-up to cents once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from openrvu.pricing.arrays import KIND_ANES, KIND_CONTRACTOR, KIND_NONE, KIND_PAY, RefArrays
from openrvu.pricing.contract import Contract
from openrvu.pricing.errors import PricingError
from openrvu.pricing.modifiers import INFORMATIONAL_MODIFIERS, check_modifiers, parse_modifiers, row_modifier
from openrvu.pricing.pos import normalize_pos, place_of_service
from openrvu.pricing.records import Outcome, parse_date, parse_units, reprice_records
from openrvu.pricing.service import PricingService, parse_locality

FALLBACK_MODIFIERS = frozenset(
    {"22", "52", "53", "54", "55", "56", "62", "66", "80", "81", "82", "AS", "QK", "QX", "QY"}
)
GROUPS = ("img-tc", "img-pc", "cv-tc", "oph-tc", "pe")
RATES = {"img-tc": 50, "img-pc": 5, "cv-tc": 25, "oph-tc": 20, "pe": 50}
CODES = {"img-tc": "13:TC50", "img-pc": "13:PC5", "cv-tc": "13:CV25", "oph-tc": "13:OPH20", "pe": "13:PE50"}
_INT64_SAFE = 4.0e18


@dataclass
class BulkStats:
    """How the lines of a file were priced."""

    lines: int = 0
    vectorized: int = 0
    engine: int = 0
    errors: int = 0


def _encode(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a string column: (codes per line, distinct values)."""
    enc = pc.dictionary_encode(column).combine_chunks()
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def _map(codes: np.ndarray, values: list[str], fn: Callable[[str], int], fill: int = -1) -> np.ndarray:
    """Apply ``fn`` to each distinct value once; -1 where it raises PricingError."""
    out = np.full(len(values), fill, dtype=np.int64)
    for i, v in enumerate(values):
        with contextlib.suppress(PricingError):
            out[i] = fn(v)
    return out[codes] if len(values) else np.full(len(codes), fill, dtype=np.int64)


def _group_ids(*keys: np.ndarray) -> np.ndarray:
    """One dense id per distinct combination of the key arrays."""
    stacked = np.stack(keys, axis=1)
    return np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1)


def _ranked(group: np.ndarray, amount: np.ndarray, tie: np.ndarray, n: np.ndarray, mask: np.ndarray):
    """Rank the masked lines within each group by amount (desc) then tie order.

    Returns (first position of each line, total positions of its group), zeros outside ``mask``.
    """
    size = len(group)
    first = np.zeros(size, dtype=np.int64)
    total = np.zeros(size, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return first, total
    order = idx[np.lexsort((tie[idx], -amount[idx], group[idx]))]
    g = group[order]
    nn = n[order]
    cs = np.cumsum(nn)
    start = cs - nn
    new = np.ones(len(order), dtype=bool)
    new[1:] = g[1:] != g[:-1]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    first[order] = start - start[group_start] + 1
    ends = np.flatnonzero(np.append(new[1:], True))
    group_total = cs[ends] - start[group_start[ends]]
    seg = np.cumsum(new) - 1
    total[order] = group_total[seg]
    return first, total


class BulkRepricer:
    """Reprices tables of claim lines against a reference database; reuse it across files."""

    def __init__(self, service: PricingService, releases: list[str]) -> None:
        self.service = service
        db = service.db
        self.ref = RefArrays((r, list(db.iter_rvu(r)), list(db.localities(r))) for r in releases)
        self.release_names = releases

    def reprice(self, table: pa.Table, contract: Contract) -> tuple[pa.Table, BulkStats]:
        """The input table with ``release, allowed, wrvu, rules, error`` appended, and how it went."""
        cols = {
            name: table.column(name)
            for name in ("encounter_id", "date", "hcpcs", "modifiers", "units", "pos", "locality_or_zip")
        }
        size = table.num_rows
        stats = BulkStats(lines=size)
        ref = self.ref
        rel_of = {name: i for i, name in enumerate(self.release_names)}

        units = _map(*_encode(cols["units"]), parse_units, fill=-(2**40))
        date_codes, date_values = _encode(cols["date"])

        def release_index(text: str) -> int:
            name = self.service.release_name(parse_date(text))
            return rel_of.get(name, -1)

        rel = _map(date_codes, date_values, release_index)
        mod_codes, mod_values = _encode(cols["modifiers"])
        mods = [parse_modifiers(v) for v in mod_values]
        mod_ok = np.array([_checks(m) for m in mods] + [False], dtype=bool)[mod_codes]
        pos_codes, pos_values = _encode(cols["pos"])
        fac = _map(pos_codes, pos_values, lambda v: int(place_of_service(v).facility))
        pos_norm = [normalize_pos(v) for v in pos_values]
        tele = np.array([{"02": 1, "10": 2}.get(p, 0) for p in pos_norm] + [0], dtype=np.int64)[pos_codes]
        hc_codes, hc_values = _encode(cols["hcpcs"])
        hcpcs = [v.strip().upper() for v in hc_values]
        loc_codes, loc_values = _encode(cols["locality_or_zip"])
        carrier_loc = [self._carrier_locality(v) for v in loc_values]

        # the row of each line: (release, code, row modifier) looked up once per distinct combination
        rowmods = [""] * len(mod_values)
        combo = _group_ids(rel, hc_codes, mod_codes)
        first_of = np.zeros(combo.max() + 1 if size else 0, dtype=np.int64)
        first_of[combo] = np.arange(size)
        row_of_combo = np.full(len(first_of), -1, dtype=np.int64)
        for c, i in enumerate(first_of):
            r = rel[i]
            if r < 0:
                continue
            code, mset = hcpcs[hc_codes[i]], mods[mod_codes[i]]
            rowmods[mod_codes[i]] = want = row_modifier(code, mset)
            name = self.release_names[r]
            ri = ref.index.get((name, code, want), -1)
            if ri < 0 and want == "53":
                ri = ref.index.get((name, code, ""), -1)
            row_of_combo[c] = ri
        ri = row_of_combo[combo]
        loc_combo = _group_ids(rel, loc_codes)
        first_loc = np.zeros(loc_combo.max() + 1 if size else 0, dtype=np.int64)
        first_loc[loc_combo] = np.arange(size)
        gi_of = np.full(len(first_loc), -1, dtype=np.int64)
        for c, i in enumerate(first_loc):
            cl = carrier_loc[loc_codes[i]]
            if rel[i] >= 0 and cl is not None:
                gi_of[c] = ref.loc_index.get((self.release_names[rel[i]], *cl), -1)
        gi = gi_of[loc_combo]

        has50 = np.array(["50" in m for m in mods] + [False], dtype=bool)[mod_codes]
        error = (units <= 0) | (rel < 0) | ~mod_ok | (fac < 0) | (ri < 0) | (gi < 0) | (has50 & (units != 1))
        safe_ri = np.where(ri < 0, 0, ri)
        kind = ref.kind[safe_ri]
        error |= kind == KIND_ANES
        ok = ~error
        fac_b = fac == 1
        safe_gi = np.where(gi < 0, 0, gi)
        safe_units = np.where(error, 1, units)

        enc = _group_ids(_encode(cols["encounter_id"])[0], date_codes)
        # encounters the arrays leave to the engine
        fallback_line = ok & np.array([bool(FALLBACK_MODIFIERS & set(m)) for m in mods] + [False])[mod_codes]
        pay = ok & (kind == KIND_PAY)
        bilat = ref.bilat[safe_ri]
        rt = np.array(["RT" in m for m in mods] + [False])[mod_codes]
        lt = np.array(["LT" in m for m in mods] + [False])[mod_codes]
        single = (
            pay & (safe_units == 1) & ~has50 & (rt != lt) & np.isin(bilat, [ord("0"), ord("1"), ord("2")])
        )
        if single.any():
            key = _group_ids(enc, hc_codes, np.array([hash(r) for r in rowmods] + [0])[mod_codes])
            rts = np.bincount(key, weights=single & rt)
            lts = np.bincount(key, weights=single & lt)
            fallback_line |= single & (rts[key] > 0) & (lts[key] > 0)
        mult = ref.mult[safe_ri]
        status = ref.status[safe_ri]
        zzz = ref.zzz[safe_ri]
        rank_ok = pay & np.isin(mult, [ord("1"), ord("2"), ord("3")]) & ~zzz & (status != ord("T"))
        fam_base = np.where(ref.endo3[safe_ri], 1, 0)
        if (rank_ok & (fam_base == 1)).any():
            fallback_line |= self._endoscopy_families(rank_ok, safe_ri, enc, hcpcs, hc_codes, safe_units)
        w, pe, mp, capped = ref.setting_comps(safe_ri, fac_b, safe_gi)
        gw, gpe, gmp = ref.gw[safe_gi], ref.gpe[safe_gi], ref.gmp[safe_gi]
        cf = ref.cf[safe_ri]
        unit_fee = (w * gw + pe * gpe + mp * gmp) * cf  # x10**9
        est = unit_fee.astype(np.float64) * 100.0 * 100.0 * safe_units
        fallback_line |= ok & (est > _INT64_SAFE)
        slow_enc = np.zeros(enc.max() + 1 if size else 0, dtype=bool)
        slow_enc[enc[fallback_line]] = True
        if contract.frozen_release:
            slow_enc[:] = True
        fast = ok & ~slow_enc[enc]

        # bilateral (rule 12)
        b = np.full(size, 100, dtype=np.int64)
        b_off = b.copy()
        bcode = np.zeros(size, dtype=np.int64)  # 0 none, 1: 150, 2: 200, 3: 100, 4: n/a
        is1, is2, is3 = bilat == ord("1"), bilat == ord("2"), bilat == ord("3")
        m50 = pay & has50
        b = np.where(m50 & is1, 150, np.where(m50 & is3, 200, b))
        bcode = np.where(
            m50, np.where(is1, 1, np.where(is3, 2, np.where(is2 | (bilat == ord("0")), 3, 4))), 0
        )
        b_off = np.where(m50 & (is1 | (bilat == ord("0"))), 200, b)
        u2 = pay & ~has50 & (safe_units == 2) & (is1 | is2 | is3)
        b = np.where(u2, np.where(is1, 150, np.where(is3, 200, 100)), b)
        bcode = np.where(u2, np.where(is1, 1, np.where(is3, 2, 3)), bcode)
        b_off = np.where(u2, np.where(is1, 200, b), b_off)
        n = np.where(bcode > 0, 1, safe_units)

        tie = self._tie_order(hc_codes, hcpcs, mod_codes, mods, rowmods, safe_units)
        # multiple procedures, indicators 1/2/3 (rule 13)
        rmask = fast & rank_ok
        first, total = _ranked(enc, unit_fee * b, tie, n, rmask)
        ranked = rmask & (total >= 2)
        last = first + n - 1
        c1 = ranked & (first == 1)
        ind1 = mult == ord("1")
        c2 = ranked & ind1 & (first <= 2) & (last >= 2)
        c3 = np.where(ranked & ind1, n - c1 - c2, 0)
        halves = np.where(ind1, c2, n - c1)
        f = np.where(ranked, 100 * c1 + 50 * halves + 25 * c3, 100 * n)
        t50 = ranked & (halves > 0)
        t25 = ranked & ind1 & (c3 > 0)
        by_report = ranked & (last >= 6)

        # component reductions, indicators 4/5/6/7
        is_tc, is_pc = self._row_mod_masks(safe_ri)
        tcw, tcpe, tcmp = self._part(safe_ri, ref.tc, fac_b, safe_gi, w, pe, mp, is_tc, "tc")
        pcw, pcpe, pcmp = self._part(safe_ri, ref.pc, fac_b, safe_gi, w, pe, mp, is_pc, "pc")
        img = (mult == ord("4")) & (ref.imaging[safe_ri] != 99)
        base = fast & pay & ~zzz
        members = {
            "img-tc": (base & img & ~is_pc, ref.imaging[safe_ri], (tcw, tcpe, tcmp)),
            "img-pc": (base & img & ~is_tc, ref.imaging[safe_ri], (pcw, pcpe, pcmp)),
            "cv-tc": (base & (mult == ord("6")) & ~is_pc, np.zeros(size, np.int64), (tcw, tcpe, tcmp)),
            "oph-tc": (base & (mult == ord("7")) & ~is_pc, np.zeros(size, np.int64), (tcw, tcpe, tcmp)),
            "pe": (base & (mult == ord("5")), np.zeros(size, np.int64), (0 * w, pe, 0 * mp)),
        }
        eff = [w * b * f, pe * b * f, mp * b * f]
        credit_b = b if contract.reduces("bilateral") else b_off
        mp_on = contract.reduces("multiple_procedure")
        wc = self.ref.work[safe_ri] * credit_b * (f if mp_on else 100 * n)
        applied = []
        for name in GROUPS:
            mask, family, (a, p_, m_) = members[name]
            gfirst, gtotal = _ranked(
                _group_ids(enc, family), (a * gw + p_ * gpe + m_ * gmp) * cf, tie, n, mask
            )
            later = np.where(mask & (gtotal >= 2), np.where(gfirst == 1, n - 1, n), 0)
            red = RATES[name] * b * later
            eff[0] -= a * red
            eff[1] -= p_ * red
            eff[2] -= m_ * red
            if name == "img-pc" and mp_on:
                pc_work = np.where(
                    is_pc,
                    ref.work[safe_ri],
                    np.where(
                        ref.pc[safe_ri] >= 0, ref.work[np.maximum(ref.pc[safe_ri], 0)], ref.work[safe_ri]
                    ),
                )
                wc = wc - pc_work * RATES[name] * credit_b * later
            applied.append(later > 0)
        amount = (eff[0] * gw + eff[1] * gpe + eff[2] * gmp) * cf
        cents = (np.maximum(amount, 0) + 5 * 10**10) // 10**11
        others = np.bincount(enc, weights=pay & fast & (status != ord("T")), minlength=len(slow_enc))
        is_t = pay & (status == ord("T"))
        t_bundled = is_t & (others[enc] > 0)
        cents = np.where(t_bundled | (kind == KIND_NONE), 0, cents)
        work_units = ref.work[safe_ri] * safe_units * 10**4
        if contract.credit_non_payable:
            wc = np.where(t_bundled | (kind == KIND_NONE), work_units, wc)
        else:
            wc = np.where(t_bundled | (kind == KIND_NONE), 0, wc)
        wc = np.where(kind == KIND_CONTRACTOR, work_units, wc)
        wrvu = (np.maximum(wc, 0) + 5000) // 10000

        rules = self._rules(
            fast,
            fac_b,
            ref,
            safe_ri,
            tele,
            capped & pay,
            kind,
            status,
            bcode,
            c1,
            t50,
            t25,
            by_report,
            applied,
            zzz & pay,
            is_t,
            t_bundled,
            mod_codes,
            mods,
        )
        release = np.array(self.release_names + [""], dtype=object)[
            np.where(rel < 0, len(self.release_names), rel)
        ]
        out = {
            "release": pa.array(np.where(fast, release, "")),
            "allowed": _money(cents, fast & (kind != KIND_CONTRACTOR)),
            "wrvu": _money(wrvu, fast),
            "rules": rules,
            "error": pa.array(np.full(size, "", dtype=object), type=pa.string()),
        }
        slow = np.flatnonzero(~fast)
        stats.vectorized = int(fast.sum())
        if len(slow):
            out = self._engine_lines(table, slow, contract, out, stats)
        result = table
        for name in ("release", "allowed", "wrvu", "rules", "error"):
            if name in result.column_names:
                result = result.drop_columns([name])
            result = result.append_column(name, out[name])
        return result, stats

    def _carrier_locality(self, value: str) -> tuple[str, str] | None:
        try:
            parsed = parse_locality(value)
        except PricingError:
            return None
        if isinstance(parsed, str):
            found = self.service.db.zip_locality(parsed)
            return None if found is None else (found.carrier, found.locality)
        return parsed

    def _endoscopy_families(self, rank_ok, ri, enc, hcpcs, hc_codes, units) -> np.ndarray:
        """Lines of encounters where an endoscopy family forms (left to the engine)."""
        ref = self.ref
        base_code = np.array(
            [ref.rows[i].endo_base if ref.endo3[i] else "" for i in range(len(ref.rows))] + [""], dtype=object
        )
        fam = np.where(ref.endo3[ri], base_code[ri], "")
        own = np.array(hcpcs + [""], dtype=object)[hc_codes]
        fam = np.where((fam == "") & ref.is_base[ri], own, fam)
        fam = np.where(rank_ok, fam, "")
        has = fam != ""
        if not has.any():
            return np.zeros(len(ri), dtype=bool)
        key = _group_ids(
            enc, pc.dictionary_encode(pa.array(fam.astype(str))).indices.to_numpy().astype(np.int64)
        )
        total_units = np.bincount(key, weights=np.where(has, units, 0))
        members3 = np.bincount(key, weights=has & ref.endo3[ri])
        return has & (total_units[key] >= 2) & (members3[key] > 0)

    def _tie_order(self, hc_codes, hcpcs, mod_codes, mods, rowmods, units) -> np.ndarray:
        """The engine's tie-break (code, row modifier, sorted modifiers, units) as one integer."""
        combo = _group_ids(hc_codes, mod_codes, units)
        firsts = np.zeros(combo.max() + 1 if len(combo) else 0, dtype=np.int64)
        firsts[combo] = np.arange(len(combo))
        keys = [
            (hcpcs[hc_codes[i]], rowmods[mod_codes[i]], tuple(sorted(mods[mod_codes[i]])), int(units[i]))
            for i in firsts
        ]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[order] = np.arange(len(keys))
        return rank[combo]

    def _row_mod_masks(self, ri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mods = np.array([r.modifier for r in self.ref.rows], dtype=object)
        return (mods == "TC")[ri], (mods == "26")[ri]

    def _part(self, ri, split, fac, gi, w, pe, mp, own, which):
        """The TC or PC part per unit of each line (engine ``_split``)."""
        other = split[ri]
        sw, spe, smp, _ = self.ref.setting_comps(np.maximum(other, 0), fac, gi)
        have = other >= 0
        if which == "tc":
            dw, dpe, dmp = 0 * w, pe, mp
        else:
            dw, dpe, dmp = w, 0 * pe, 0 * mp
        pw = np.where(own, w, np.where(have, sw, dw))
        ppe = np.where(own, pe, np.where(have, spe, dpe))
        pmp = np.where(own, mp, np.where(have, smp, dmp))
        return pw, ppe, pmp

    def _rules(
        self,
        fast,
        fac,
        ref,
        ri,
        tele,
        capped,
        kind,
        status,
        bcode,
        c1,
        t50,
        t25,
        by_report,
        applied,
        zzz,
        is_t,
        t_bundled,
        mod_codes,
        mods,
    ) -> pa.Array:
        """The rule codes of each line, built once per distinct combination (as the engine writes them)."""
        na = np.where(fac, ref.fac_na[ri], ref.nonfac_na[ri])
        rowmod = np.array([{"26": 1, "TC": 2, "53": 3}.get(r.modifier, 0) for r in ref.rows])[ri]
        sig = np.stack(
            [
                fac.astype(np.int64),
                na,
                tele,
                rowmod,
                capped,
                kind,
                status,
                bcode,
                c1,
                t50,
                t25,
                by_report,
                *applied,
                zzz,
                is_t,
                t_bundled,
                mod_codes,
            ],
            axis=1,
        ).astype(np.int64)
        idx = np.flatnonzero(fast)
        texts = np.full(len(fast), "", dtype=object)
        if not len(idx):
            return pa.array(texts, type=pa.string())
        uniq, inverse = np.unique(sig[idx], axis=0, return_inverse=True)
        words = np.array([_rule_text(tuple(int(v) for v in u), mods) for u in uniq], dtype=object)
        texts[idx] = words[inverse.reshape(-1)]
        return pa.array(texts, type=pa.string())

    def _engine_lines(
        self, table: pa.Table, slow: np.ndarray, contract: Contract, out: dict, stats: BulkStats
    ):
        """Price the lines the arrays leave out with the engine, and put their outcomes in place."""
        sub = table.take(pa.array(slow)).select(
            ["encounter_id", "date", "hcpcs", "modifiers", "units", "pos", "locality_or_zip"]
        )
        outcomes = reprice_records(self.service, sub.to_pylist(), contract)
        stats.engine = len(slow)
        stats.errors = sum(1 for o in outcomes if o.error)
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[slow] = True
        pa_mask = pa.array(mask)
        for name in ("release", "allowed", "wrvu", "rules", "error"):
            values = pa.array([getattr(o, name) for o in outcomes], type=pa.string())
            out[name] = pc.replace_with_mask(out[name], pa_mask, values)
        return out


def _checks(mods: tuple[str, ...]) -> bool:
    try:
        check_modifiers(mods)
    except PricingError:
        return False
    return True


def _money(value: np.ndarray, mask: np.ndarray) -> pa.Array:
    """Integer hundredths -> '12.34' strings; '' where ``mask`` is false."""
    whole = pa.array(value // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(value % 100).cast(pa.string()), 2, "0")
    text = pc.binary_join_element_wise(whole, frac, ".")
    return pc.if_else(pa.array(mask), text, "")


_BILAT = {1: "12:150", 2: "12:200", 3: "12:100", 4: "12:n/a"}
_ROWMOD = {1: "8:26", 2: "8:TC", 3: "9:53"}


def _rule_text(sig: tuple[int, ...], mods: list[tuple[str, ...]]) -> str:
    """The engine's rule codes for one signature (see ``BulkRepricer._rules`` for the fields)."""
    fac, na, tele, rowmod, capped, kind, status, bcode, c1, t50, t25, by_report = sig[:12]
    applied = sig[12:17]
    zzz, is_t, t_bundled, mod_code = sig[17:]
    codes = ["5:F" if fac else "5:NF"]
    if na:
        codes.append("5:NA")
    if tele:
        codes.append("6:02" if tele == 1 else "6:10")
    if rowmod:
        codes.append(_ROWMOD[rowmod])
    if kind == KIND_PAY:
        if capped:
            codes.append("18")
        if bcode:
            codes.append(_BILAT[bcode])
        codes += [
            c for c, on in (("13:100", c1), ("13:50", t50), ("13:25", t25), ("13:by-report", by_report)) if on
        ]
        codes += [CODES[g] for g, on in zip(GROUPS, applied, strict=True) if on]
        if zzz:
            codes.append("17:ZZZ")
        if is_t:
            codes.append("7:T-bundled" if t_bundled else "7:T")
        elif status == ord("R"):
            codes.append("7:R")
        codes.append("1")
    else:
        codes.append("7:" + chr(status))
    codes += ["mod:" + m for m in mods[mod_code] if m in INFORMATIONAL_MODIFIERS]
    return " ".join(codes)


def outcome_rows(table: pa.Table) -> list[Outcome]:
    """The outcome columns of a repriced table (for tests and small files)."""
    cols = [table.column(n).to_pylist() for n in ("release", "allowed", "wrvu", "rules", "error")]
    return [Outcome(*values) for values in zip(*cols, strict=True)]


def releases_for(service: PricingService, dates: list[date]) -> list[str]:
    """The distinct releases in force on some dates (skipping dates with none)."""
    names = []
    for d in dates:
        try:
            name = service.release_name(d)
        except PricingError:
            continue
        if name not in names:
            names.append(name)
    return names
