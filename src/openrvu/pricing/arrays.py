"""Reference rows as integer numpy arrays, for the vectorized repricer.

RVUs are held x100, GPCIs x1000 and the CF x10000: every product of the payment formula is then an
exact int64, and the one half-up rounding to cents happens at the end, as in the Decimal engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import numpy as np

from openrvu.cms.models import GpciRow, RvuRow

KIND_PAY, KIND_CONTRACTOR, KIND_NONE, KIND_ANES = 0, 1, 2, 3


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
    """The rows of one or more releases (concatenated) and their localities, as arrays."""

    def __init__(self, releases: Iterable[tuple[str, list[RvuRow], list[GpciRow]]]) -> None:
        rows: list[RvuRow] = []
        self.index: dict[tuple[str, str, str], int] = {}
        self.loc_index: dict[tuple[str, str, str], int] = {}
        gpcis: list[GpciRow] = []
        self.endo_bases: set[str] = set()
        for release, rel_rows, rel_gpcis in releases:
            for r in rel_rows:
                self.index[(release, r.hcpcs, r.modifier)] = len(rows)
                rows.append(r)
                if r.endo_base:
                    self.endo_bases.add(r.endo_base)
            for g in rel_gpcis:
                self.loc_index[(release, g.carrier, g.locality)] = len(gpcis)
                gpcis.append(g)
        self.rows = rows

        def col(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int64, count=len(rows))

        self.work = col(scaled(r.work_rvu, 2) for r in rows)
        self.pe_nf = col(scaled(r.nonfac_pe_rvu, 2) for r in rows)
        self.pe_f = col(scaled(r.fac_pe_rvu, 2) for r in rows)
        self.mp = col(scaled(r.mp_rvu, 2) for r in rows)
        self.opps_nf = col(scaled(r.nonfac_pe_opps, 2) for r in rows)
        self.opps_f = col(scaled(r.fac_pe_opps, 2) for r in rows)
        self.mp_opps = col(scaled(r.mp_opps, 2) for r in rows)
        self.cf = col(scaled(r.conv_factor, 4) for r in rows)
        self.kind = col(row_kind(r) for r in rows)
        self.status = col(ord(r.status_code[:1] or " ") for r in rows)
        self.mult = col(ord(r.mult_proc[:1] or "9") for r in rows)
        self.bilat = col(ord(r.bilat_surg[:1] or "9") for r in rows)
        self.zzz = col(r.global_days == "ZZZ" for r in rows).astype(bool)
        self.imaging = col(int(r.imaging_family) if r.imaging_family.isdigit() else 99 for r in rows)
        self.fac_na = col(r.fac_na for r in rows).astype(bool)
        self.nonfac_na = col(r.nonfac_na for r in rows).astype(bool)
        self.endo3 = col(r.mult_proc == "3" and bool(r.endo_base) for r in rows).astype(bool)
        self.is_base = col(r.hcpcs in self.endo_bases for r in rows).astype(bool)
        release_of = {i: rel for (rel, _h, _m), i in self.index.items()}
        self.tc = col(
            self.index.get((release_of[i], r.hcpcs, "TC"), -1) if not r.modifier else -1
            for i, r in enumerate(rows)
        )
        self.pc = col(
            self.index.get((release_of[i], r.hcpcs, "26"), -1) if not r.modifier else -1
            for i, r in enumerate(rows)
        )
        self.gw = np.array([scaled(g.work_gpci, 3) for g in gpcis], dtype=np.int64)
        self.gpe = np.array([scaled(g.pe_gpci, 3) for g in gpcis], dtype=np.int64)
        self.gmp = np.array([scaled(g.mp_gpci, 3) for g in gpcis], dtype=np.int64)

    def setting_comps(
        self, ri: np.ndarray, fac: np.ndarray, gi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(work, PE, MP) x100 of rows ``ri`` in their setting, with the OPPS cap; and the capped mask."""
        w = self.work[ri]
        pe = np.where(fac, self.pe_f[ri], self.pe_nf[ri])
        mp = self.mp[ri]
        ope = np.where(fac, self.opps_f[ri], self.opps_nf[ri])
        omp = self.mp_opps[ri]
        gpe, gmp = self.gpe[gi], self.gmp[gi]
        use = ((ope != 0) | (omp != 0)) & (ope * gpe + omp * gmp < pe * gpe + mp * gmp)
        return w, np.where(use, ope, pe), np.where(use, omp, mp), use
