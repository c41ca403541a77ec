"""``openrvu benchmarks synth``: a synthetic by Provider and Service file in the exact CMS schema.

For demos, tests and the scale benchmark, until a user loads the real file. Real codes from the loaded PFS
release, real Medicare provider types with their E/M level mixes and code profiles (``profiles``),
heavy-tailed (log-normal) provider activity and code volumes, and CMS's suppression of lines with fewer than
11 beneficiaries. Deterministic for a seed; vectorised with numpy (10 million lines in seconds, not a
Python loop per row). Every file is named ``..._SYNTH_D<yy>_Prov_Svc.csv`` and has a sidecar saying
``"synthetic": true``, which the build carries into every table it makes.

NPIs are ten digits starting with 1 whose Luhn check digit is deliberately wrong, so no synthetic NPI can
be a real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from openrvu.benchmarks.categories import EM_FAMILIES
from openrvu.benchmarks.inputs import write_sidecar
from openrvu.benchmarks.profiles import (
    FIRST_NAMES,
    LAST_NAMES,
    ORG_NAMES,
    PLACES,
    PROFILES,
    RUCA,
    SERVICES_PER_BENE,
    STREETS,
    Profile,
)
from openrvu.benchmarks.schema import PROVIDER_SERVICE_COLUMNS, SUPPRESSION_MIN_BENES

_CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class CodeFacts:
    """What the generator needs of a code in the release: its words and its fee schedule totals."""

    description: str
    nonfac_total: float
    fac_total: float
    conv_factor: float


@dataclass(frozen=True)
class SynthResult:
    path: Path
    rows: int
    providers: int
    suppressed: int
    year: int
    seed: int


def code_facts(rows: Iterable[Any]) -> dict[str, CodeFacts]:
    """Per code of a release (``RvuRow``-like rows): descriptor and totals; the -26 row's facility total for
    PCTC 1 codes, since a facility line of such a code is mostly the professional component."""
    base: dict[str, Any] = {}
    prof: dict[str, Any] = {}
    for row in rows:
        if row.modifier == "":
            base[row.hcpcs] = row
        elif row.modifier == "26":
            prof[row.hcpcs] = row
    out = {}
    for code, row in base.items():
        fac = prof[code].fac_total if row.pctc == "1" and code in prof else row.fac_total
        out[code] = CodeFacts(row.description, float(row.nonfac_total), float(fac), float(row.conv_factor))
    return out


def generate(
    out_dir: Path,
    *,
    providers: int,
    year: int,
    facts: dict[str, CodeFacts],
    release: str,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> SynthResult:
    """Write ``MUP_PHY_SYNTH_D<yy>_Prov_Svc.csv`` (and its sidecar) into ``out_dir``."""
    say = progress or (lambda _m: None)
    if providers < 1:
        raise ValueError("--providers must be at least 1")
    rng = np.random.default_rng(seed)
    profiles = [_usable(p, facts) for p in PROFILES]
    em_codes = {c for _k, _n, family in EM_FAMILIES for c in family}
    missing = sorted(em_codes - facts.keys())
    if missing:
        raise ValueError(f"release {release} lacks the E/M codes {', '.join(missing)}")
    codes = sorted({c[0] for p in profiles for c in p.codes} | em_codes)
    index = {c: i for i, c in enumerate(codes)}
    weights = np.array([p.weight for p in profiles])
    spec = rng.choice(len(profiles), size=providers, p=weights / weights.sum())
    say(f"drawing lines for {providers:,} providers")
    parts = [_lines_for(rng, profiles[s], np.flatnonzero(spec == s), index) for s in range(len(profiles))]
    prov = np.concatenate([p[0] for p in parts])
    code_ix = np.concatenate([p[1] for p in parts])
    srvcs = np.concatenate([p[2] for p in parts])
    fac = np.concatenate([p[3] for p in parts])
    per_bene = np.array([_services_per_bene(c) for c in codes])[code_ix] * rng.lognormal(
        0, 0.25, len(code_ix)
    )
    benes = np.maximum(1, np.round(srvcs / np.maximum(per_bene, 1.0))).astype(np.int64)
    srvcs = np.maximum(srvcs, benes)
    keep = benes >= SUPPRESSION_MIN_BENES
    suppressed = int((~keep).sum())
    prov, code_ix, srvcs, benes, fac = prov[keep], code_ix[keep], srvcs[keep], benes[keep], fac[keep]
    order = np.lexsort((fac, code_ix, prov))  # CMS files run by NPI, then code
    prov, code_ix, srvcs, benes, fac = prov[order], code_ix[order], srvcs[order], benes[order], fac[order]
    day = np.round(benes + (srvcs - benes) * rng.uniform(0.5, 1.0, len(srvcs))).astype(np.int64)
    price = _prices(rng, codes, facts, code_ix, fac)

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"MUP_PHY_SYNTH_D{year % 100:02d}_Prov_Svc.csv"
    say(f"writing {len(prov):,} lines to {path}")
    people = _provider_columns(rng, providers, spec, profiles)
    code_cols = {
        "HCPCS_Cd": pa.array(codes),
        "HCPCS_Desc": pa.array([facts[c].description for c in codes]),
        "HCPCS_Drug_Ind": pa.array(["Y" if c.startswith("J") else "N" for c in codes]),
    }
    with path.open("wb") as sink:
        writer = None
        for start in range(0, len(prov), _CHUNK_ROWS):
            stop = min(start + _CHUNK_ROWS, len(prov))
            chunk = _chunk(
                people,
                code_cols,
                prov[start:stop],
                code_ix[start:stop],
                fac[start:stop],
                benes[start:stop],
                srvcs[start:stop],
                day[start:stop],
                {k: v[start:stop] for k, v in price.items()},
            )
            if writer is None:
                writer = pacsv.CSVWriter(
                    sink, chunk.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            writer.write_table(chunk)
        if writer is not None:
            writer.close()
    write_sidecar(
        path,
        {
            "synthetic": True,
            "kind": "prov_svc",
            "year": year,
            "release": release,
            "seed": seed,
            "providers": providers,
            "rows": int(len(prov)),
            "suppressed_rows": suppressed,
            "bytes": path.stat().st_size,
            "source": f"openrvu benchmarks synth --providers {providers} --year {year} --seed {seed}",
        },
    )
    return SynthResult(path, int(len(prov)), providers, suppressed, year, seed)


def _usable(profile: Profile, facts: dict[str, CodeFacts]) -> Profile:
    """The profile with only the codes the release has (a code retired in that year is left out)."""
    codes = tuple(c for c in profile.codes if c[0] in facts)
    return replace(profile, codes=codes)


def _lines_for(
    rng: np.random.Generator, profile: Profile, idx: np.ndarray, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(provider, code index, services, facility?) lines of the providers of one type."""
    m = len(idx)
    provs: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    vols: list[np.ndarray] = []
    facs: list[np.ndarray] = []
    if m == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float), np.array([], dtype=bool)
    activity = rng.lognormal(-0.25, profile.activity_sigma, m)
    families = {key: codes_ for key, _name, codes_ in EM_FAMILIES}
    for family, (probability, volume) in profile.em.items():
        mix = np.array(profile.levels[family])
        family_codes = np.array([index[c] for c in families[family][-len(mix) :]])
        bills = rng.random(m) < probability
        who = np.flatnonzero(bills)
        total = volume * activity[who] * rng.lognormal(0, 0.35, len(who))
        shares = rng.dirichlet(mix * 40 + 0.05, size=len(who))
        provs.append(np.repeat(idx[who], len(mix)))
        codes.append(np.tile(family_codes, len(who)))
        vols.append((total[:, None] * shares).ravel())
        in_facility = family.startswith(("hospital", "emergency"))
        facs.append(np.full(len(who) * len(mix), in_facility))
    if profile.codes:
        names = np.array([index[c[0]] for c in profile.codes])
        weight = np.array([c[1] for c in profile.codes])
        base = np.array([c[2] for c in profile.codes])
        n_codes = np.minimum(len(names), 1 + rng.poisson(profile.extra_codes * 2.15, m))
        keys = np.log(weight)[None, :] + rng.gumbel(size=(m, len(names)))
        ranked = np.argsort(-keys, axis=1)
        chosen = np.arange(len(names))[None, :] < n_codes[:, None]
        who = np.repeat(np.arange(m), n_codes)
        pick = ranked[chosen]
        provs.append(idx[who])
        codes.append(names[pick])
        vols.append(base[pick] * activity[who] * rng.lognormal(0, 0.8, len(pick)))
        facs.append(rng.random(len(pick)) < profile.facility_share)
    return (
        np.concatenate(provs),
        np.concatenate(codes),
        np.round(np.concatenate(vols)),
        np.concatenate(facs),
    )


def _services_per_bene(code: str) -> float:
    for prefix, ratio in SERVICES_PER_BENE:
        if code.startswith(prefix):
            return ratio
    return 1.5


def _prices(
    rng: np.random.Generator,
    codes: list[str],
    facts: dict[str, CodeFacts],
    code_ix: np.ndarray,
    fac: np.ndarray,
) -> dict[str, np.ndarray]:
    """Average submitted, allowed, paid and standardized amounts per line, from the release's totals."""
    nonfac = np.array([facts[c].nonfac_total * facts[c].conv_factor for c in codes])
    facility = np.array([facts[c].fac_total * facts[c].conv_factor for c in codes])
    fee = np.where(fac, facility[code_ix], nonfac[code_ix])
    fee = np.where(fee > 0, fee, rng.uniform(5, 400, len(fee)))  # contractor-priced and drug codes
    allowed = fee * rng.lognormal(0, 0.08, len(fee))
    return {
        "Avg_Sbmtd_Chrg": np.round(allowed * rng.uniform(1.3, 4.0, len(fee)), 8),
        "Avg_Mdcr_Alowd_Amt": np.round(allowed, 8),
        "Avg_Mdcr_Pymt_Amt": np.round(allowed * rng.uniform(0.74, 0.80, len(fee)), 8),
        "Avg_Mdcr_Stdzd_Amt": np.round(allowed * rng.uniform(0.72, 0.82, len(fee)), 8),
    }


def _provider_columns(
    rng: np.random.Generator, n: int, spec: np.ndarray, profiles: list[Profile]
) -> dict[str, pa.Array]:
    """One value per provider for each provider column (taken per line when a chunk is written)."""
    base = 100_000_000 + np.arange(n, dtype=np.int64)
    npi = base * 10 + (_luhn_check(base) + 1) % 10
    individual = np.array([p.entity == "I" for p in profiles])[spec]
    place_w = np.array([p[4] for p in PLACES])
    place = rng.choice(len(PLACES), n, p=place_w / place_w.sum())
    ruca_w = np.array([r[2] for r in RUCA])
    ruca = rng.choice(len(RUCA), n, p=ruca_w / ruca_w.sum())
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    org = np.array(ORG_NAMES, dtype=object)[rng.integers(0, len(ORG_NAMES), n)]
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    street = np.char.add(
        np.char.add(rng.integers(1, 9999, n).astype(str), " "),
        np.array(STREETS)[rng.integers(0, len(STREETS), n)],
    )
    cred = np.array([p.credential for p in profiles], dtype=object)[spec]
    mi = np.array(list("ABCDEFGHJKLMNPRSTW"), dtype=object)[rng.integers(0, 18, n)]
    blank = np.full(n, None, dtype=object)

    def col(values: Any) -> pa.Array:
        return pa.array(values.tolist() if isinstance(values, np.ndarray) else values, pa.string())

    return {
        "Rndrng_NPI": col(npi.astype(str)),
        "Rndrng_Prvdr_Last_Org_Name": col(np.where(individual, last, org)),
        "Rndrng_Prvdr_First_Name": col(np.where(individual, first, blank)),
        "Rndrng_Prvdr_MI": col(np.where(individual, mi, blank)),
        "Rndrng_Prvdr_Crdntls": col(np.where(individual, cred, blank)),
        "Rndrng_Prvdr_Ent_Cd": col(np.where(individual, "I", "O")),
        "Rndrng_Prvdr_St1": col(street),
        "Rndrng_Prvdr_St2": pa.nulls(n, pa.string()),
        "Rndrng_Prvdr_City": col(np.array([p[2] for p in PLACES], dtype=object)[place]),
        "Rndrng_Prvdr_State_Abrvtn": col(np.array([p[0] for p in PLACES], dtype=object)[place]),
        "Rndrng_Prvdr_State_FIPS": col(np.array([p[1] for p in PLACES], dtype=object)[place]),
        "Rndrng_Prvdr_Zip5": col(np.array([p[3] for p in PLACES], dtype=object)[place]),
        "Rndrng_Prvdr_RUCA": col(np.array([r[0] for r in RUCA], dtype=object)[ruca]),
        "Rndrng_Prvdr_RUCA_Desc": col(np.array([r[1] for r in RUCA], dtype=object)[ruca]),
        "Rndrng_Prvdr_Cntry": col(np.full(n, "US", dtype=object)),
        "Rndrng_Prvdr_Type": col(np.array([p.name for p in profiles], dtype=object)[spec]),
        "Rndrng_Prvdr_Mdcr_Prtcptg_Ind": col(np.where(rng.random(n) < 0.985, "Y", "N")),
    }


def _chunk(
    people: dict[str, pa.Array],
    code_cols: dict[str, pa.Array],
    prov: np.ndarray,
    code_ix: np.ndarray,
    fac: np.ndarray,
    benes: np.ndarray,
    srvcs: np.ndarray,
    day: np.ndarray,
    price: dict[str, np.ndarray],
) -> pa.Table:
    take_p = pa.array(prov)
    take_c = pa.array(code_ix)
    columns: dict[str, pa.Array] = {}
    for name in PROVIDER_SERVICE_COLUMNS:
        if name in people:
            columns[name] = people[name].take(take_p)
        elif name in code_cols:
            columns[name] = code_cols[name].take(take_c)
    columns["Place_Of_Srvc"] = pa.array(np.where(fac, "F", "O"))
    columns["Tot_Benes"] = pa.array(benes)
    columns["Tot_Srvcs"] = pa.array(srvcs.astype(np.int64))
    columns["Tot_Bene_Day_Srvcs"] = pa.array(day)
    for name, values in price.items():
        columns[name] = pa.array(values)
    return pa.table({name: columns[name] for name in PROVIDER_SERVICE_COLUMNS})


def _luhn_check(base: np.ndarray) -> np.ndarray:
    """The NPI check digit of 9-digit identifiers (Luhn over the digits prefixed by 80840)."""
    digits = np.stack([(base // 10**k) % 10 for k in range(8, -1, -1)], axis=1)  # most significant first
    doubled = digits[:, ::2] * 2  # positions 1, 3, 5, 7, 9 counted from the left are doubled
    total = 24 + (doubled // 10 + doubled % 10).sum(axis=1) + digits[:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10
