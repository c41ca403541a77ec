"""Reference rows as integer numpy arrays, for the vectorized repricer, with an on-disk cache.

RVUs are held x100, GPCIs x1000 and the CF x10000: every product of the payment formula is then an
exact int64, and the one half-up rounding to cents happens at the end, as in the Decimal engine.
Building the arrays reads every RVU row of a release (seconds); the cache (an ``.npz`` beside the
reference database's other derived files) makes later runs start in milliseconds. It is keyed on the
reference database file's size and modification time and on the releases, so a rebuilt database is
never read through a stale cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from openrvu.cms.models import GpciRow, RvuRow

KIND_PAY, KIND_CONTRACTOR, KIND_NONE, KIND_ANES = 0, 1, 2, 3
ROW_MODS = {"": 0, "26": 1, "TC": 2, "53": 3}
_INT_COLUMNS = (
    "work",
    "pe_nf",
    "pe_f",
    "mp",
    "opps_nf",
    "opps_f",
    "mp_opps",
    "cf",
    "kind",
    "status",
    "mult",
    "bilat",
    "zzz",
    "imaging",
    "fac_na",
    "nonfac_na",
    "endo3",
    "is_base",
    "tc",
    "pc",
    "row_mod",
    "split_sum",
    "endo_row",
    "row_code",
    "base_code",
    "gw",
    "gpe",
    "gmp",
    "pre_op",
    "intra_op",
    "post_op",
    "co_surg",
    "team_surg",
    "asst_surg",
)
_BOOL_COLUMNS = frozenset({"zzz", "fac_na", "nonfac_na", "endo3", "is_base", "split_sum"})
CACHE_VERSION = 2


def scaled(value: Decimal, places: int) -> int:
    """``value`` x 10**places as an int; ValueError when the value has more decimals than that."""
    out = value.scaleb(places)
    if out != out.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimals")
    return int(out)


def row_kind(row: RvuRow) -> int:
    """Pay, contractor-priced, not paid, or anesthesia: the engine's reading of the status code."""
    if row.status_code == "J":
        return KIND_ANES
    if row.status_code == "C" or (row.status_code == "R" and row.nonfac_total == 0 and row.fac_total == 0):
        return KIND_CONTRACTOR
    return KIND_PAY if row.status_code in "ART" else KIND_NONE


class RefArrays:
    """The rows of one or more releases (concatenated) and their localities, as arrays.

    ``keys`` is (release, HCPCS, modifier) per row and ``loc_keys`` (release, carrier, locality) per
    GPCI row; every other attribute is an int64 (or bool) array over rows or GPCI rows.
    """

    work: np.ndarray
    pe_nf: np.ndarray
    pe_f: np.ndarray
    mp: np.ndarray
    opps_nf: np.ndarray
    opps_f: np.ndarray
    mp_opps: np.ndarray
    cf: np.ndarray
    kind: np.ndarray
    status: np.ndarray
    mult: np.ndarray
    bilat: np.ndarray
    zzz: np.ndarray
    imaging: np.ndarray
    fac_na: np.ndarray
    nonfac_na: np.ndarray
    endo3: np.ndarray
    is_base: np.ndarray
    tc: np.ndarray
    pc: np.ndarray
    row_mod: np.ndarray
    split_sum: np.ndarray
    endo_row: np.ndarray
    row_code: np.ndarray
    base_code: np.ndarray
    gw: np.ndarray
    gpe: np.ndarray
    gmp: np.ndarray
    pre_op: np.ndarray
    intra_op: np.ndarray
    post_op: np.ndarray
    co_surg: np.ndarray
    team_surg: np.ndarray
    asst_surg: np.ndarray

    def __init__(
        self,
        keys: Sequence[Sequence[str]],
        loc_keys: Sequence[Sequence[str]],
        codes: list[str],
        arrays: dict[str, np.ndarray],
    ) -> None:
        self.keys = keys  # (release, hcpcs, modifier) of each row
        self.loc_index = {(k[0], k[1], k[2]): i for i, k in enumerate(loc_keys)}
        self.loc_keys = loc_keys
        self.codes = codes
        self.code_id = {c: i for i, c in enumerate(codes)}
        for name in _INT_COLUMNS:
            value = arrays[name]
            setattr(self, name, value.astype(bool) if name in _BOOL_COLUMNS else value.astype(np.int64))

    @classmethod
    def build(cls, releases: Iterable[tuple[str, list[RvuRow], list[GpciRow]]]) -> RefArrays:
        """Arrays from the rows and GPCIs of each release."""
        rows: list[RvuRow] = []
        keys: list[tuple[str, str, str]] = []
        gpcis: list[GpciRow] = []
        loc_keys: list[tuple[str, str, str]] = []
        for release, rel_rows, rel_gpcis in releases:
            for r in rel_rows:
                keys.append((release, r.hcpcs, r.modifier))
                rows.append(r)
            for g in rel_gpcis:
                loc_keys.append((release, g.carrier, g.locality))
                gpcis.append(g)
        index = {k: i for i, k in enumerate(keys)}
        bases = {r.endo_base for r in rows if r.endo_base}
        codes = sorted({r.hcpcs for r in rows} | bases)
        code_id = {c: i for i, c in enumerate(codes)}

        def col(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int64, count=len(rows))

        def other(i: int, r: RvuRow, code: str, mod: str) -> int:
            return index.get((keys[i][0], code, mod), -1)

        arrays = {
            "work": col(scaled(r.work_rvu, 2) for r in rows),
            "pe_nf": col(scaled(r.nonfac_pe_rvu, 2) for r in rows),
            "pe_f": col(scaled(r.fac_pe_rvu, 2) for r in rows),
            "mp": col(scaled(r.mp_rvu, 2) for r in rows),
            "opps_nf": col(scaled(r.nonfac_pe_opps, 2) for r in rows),
            "opps_f": col(scaled(r.fac_pe_opps, 2) for r in rows),
            "mp_opps": col(scaled(r.mp_opps, 2) for r in rows),
            "cf": col(scaled(r.conv_factor, 4) for r in rows),
            "kind": col(row_kind(r) for r in rows),
            "status": col(ord(r.status_code[:1] or " ") for r in rows),
            "mult": col(ord(r.mult_proc[:1] or "9") for r in rows),
            "bilat": col(ord(r.bilat_surg[:1] or "9") for r in rows),
            "zzz": col(r.global_days == "ZZZ" for r in rows),
            "imaging": col(int(r.imaging_family) if r.imaging_family.isdigit() else 99 for r in rows),
            "fac_na": col(r.fac_na for r in rows),
            "nonfac_na": col(r.nonfac_na for r in rows),
            "endo3": col(r.mult_proc == "3" and bool(r.endo_base) for r in rows),
            "is_base": col(r.hcpcs in bases for r in rows),
            "tc": col(other(i, r, r.hcpcs, "TC") if not r.modifier else -1 for i, r in enumerate(rows)),
            "pc": col(other(i, r, r.hcpcs, "26") if not r.modifier else -1 for i, r in enumerate(rows)),
            "row_mod": col(ROW_MODS.get(r.modifier, 0) for r in rows),
            "split_sum": col(r.pre_op + r.intra_op + r.post_op != 0 for r in rows),
            "endo_row": col(other(i, r, r.endo_base, "") if r.endo_base else -1 for i, r in enumerate(rows)),
            "row_code": col(code_id[r.hcpcs] for r in rows),
            "base_code": col(code_id[r.endo_base] if r.endo_base else -1 for r in rows),
            "pre_op": col(scaled(r.pre_op, 2) for r in rows),
            "intra_op": col(scaled(r.intra_op, 2) for r in rows),
            "post_op": col(scaled(r.post_op, 2) for r in rows),
            "co_surg": col(ord(r.co_surg[:1] or " ") for r in rows),
            "team_surg": col(ord(r.team_surg[:1] or " ") for r in rows),
            "asst_surg": col(ord(r.asst_surg[:1] or " ") for r in rows),
            "gw": np.array([scaled(g.work_gpci, 3) for g in gpcis], dtype=np.int64),
            "gpe": np.array([scaled(g.pe_gpci, 3) for g in gpcis], dtype=np.int64),
            "gmp": np.array([scaled(g.mp_gpci, 3) for g in gpcis], dtype=np.int64),
        }
        return cls(keys, loc_keys, codes, arrays)

    @classmethod
    def for_db(cls, db: Any, releases: list[str], cache_dir: Path | None) -> RefArrays:
        """The arrays of some releases of a ReferenceDB, from the cache when it is current."""
        path = None
        if cache_dir is not None and getattr(db, "path", None) is not None:
            stat = Path(db.path).stat()
            tag = json.dumps(
                [CACHE_VERSION, str(Path(db.path).resolve()), stat.st_size, stat.st_mtime_ns, releases]
            )
            path = cache_dir / f"pricing-arrays-{hashlib.sha256(tag.encode()).hexdigest()[:16]}.npz"
            if path.exists():
                return cls.load(path)
        built = cls.build((r, list(db.iter_rvu(r)), list(db.localities(r))) for r in releases)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            built.save(path)
        return built

    def save(self, path: Path) -> None:
        """Write the arrays and keys to one ``.npz`` file (atomically: written aside, then renamed)."""
        meta = json.dumps({"keys": self.keys, "loc_keys": self.loc_keys, "codes": self.codes})
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, meta=np.array(meta), **{n: getattr(self, n) for n in _INT_COLUMNS})
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RefArrays:
        """Read arrays written by ``save``."""
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {n: data[n] for n in _INT_COLUMNS}
        # the keys stay JSON's lists: turning ~40,000 of them into tuples cost a third of the load
        return cls(meta["keys"], meta["loc_keys"], meta["codes"], arrays)

    def setting_comps(
        self, ri: np.ndarray, fac: np.ndarray, gi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(work, PE, MP) x100 of rows ``ri`` in their setting, with the OPPS cap; and the capped mask."""
        w = self.work[ri]
        pe = np.where(fac, self.pe_f[ri], self.pe_nf[ri])
        mp = self.mp[ri]
        use = np.zeros(len(ri), dtype=bool)
        # only the rows with an OPPS cap value can be capped (imaging TC and global rows)
        sel = np.flatnonzero(((self.opps_nf != 0) | (self.opps_f != 0) | (self.mp_opps != 0))[ri])
        if len(sel):
            r, f = ri[sel], fac[sel]
            ope = np.where(f, self.opps_f[r], self.opps_nf[r])
            omp = self.mp_opps[r]
            gpe, gmp = self.gpe[gi[sel]], self.gmp[gi[sel]]
            capped = ((ope != 0) | (omp != 0)) & (ope * gpe + omp * gmp < pe[sel] * gpe + mp[sel] * gmp)
            use[sel] = capped
            pe[sel] = np.where(capped, ope, pe[sel])
            mp[sel] = np.where(capped, omp, mp[sel])
        return w, pe, mp, use
