"""Where a clinician stands against the national (Medicare) benchmarks of their specialty.

Inputs are log aggregates (from the tracker, or typed in): wRVUs logged over some days, the clinician's
FTE, E/M counts per code and volumes per code. Everything is annualised (x 365 / days logged) and divided
by FTE before it is compared, because the benchmark is one full year per provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openrvu.benchmarks.categories import EM_FAMILIES
from openrvu.benchmarks.store import BenchmarkStore

METHOD = (
    "Your logged wRVUs are annualised (x 365 / days logged) and divided by your FTE, then placed in the fine "
    "quantile table of your specialty's providers: the percentile shown is the highest one whose value is "
    "at or below yours (nearest-rank quantiles)."
)


@dataclass(frozen=True)
class LogAggregates:
    """A clinician's log over a period, as the comparisons need it."""

    wrvu: float
    days_logged: int
    fte: float = 1.0
    em_counts: dict[str, int] = field(default_factory=dict)
    code_volumes: dict[str, float] = field(default_factory=dict)
    medicare_share: float | None = None  # share of the logged wRVUs from Medicare FFS patients, if known

    def __post_init__(self) -> None:
        if self.days_logged < 1 or self.days_logged > 366:
            raise ValueError(f"days logged must be 1..366, got {self.days_logged}")
        if not 0 < self.fte <= 2:
            raise ValueError(f"FTE must be above 0 and at most 2, got {self.fte}")
        if self.wrvu < 0:
            raise ValueError(f"wRVUs cannot be negative, got {self.wrvu}")
        if self.medicare_share is not None and not 0 < self.medicare_share <= 1:
            raise ValueError(f"the Medicare share must be above 0 and at most 1, got {self.medicare_share}")

    def annualize(self, value: float) -> float:
        """A volume of the logged period as a full-time, full-year figure."""
        return value * 365.0 / self.days_logged / self.fte


@dataclass(frozen=True)
class WrvuStanding:
    specialty: str
    annual_wrvu: float  # annualised, per FTE, all payers
    compared_wrvu: float  # what was placed in the distribution (Medicare share applied when given)
    percentile: int
    providers: int
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float
    note: str


@dataclass(frozen=True)
class EmLevel:
    family: str
    family_name: str
    level: int
    hcpcs: str
    yours: int
    your_share: float | None  # None when you logged none of the family
    specialty_share: float


@dataclass(frozen=True)
class CodeVolume:
    hcpcs: str
    your_annual: float
    national_median: float | None  # median volume of the providers who bill the code
    specialty_median: float | None  # the same within your specialty
    ratio_to_specialty: float | None


@dataclass(frozen=True)
class Standing:
    """Everything about where a clinician stands, with its method and caveats."""

    wrvu: WrvuStanding
    em: list[EmLevel]
    codes: list[CodeVolume]
    method: str
    caveats: list[str]
    synthetic: bool
    label: str


def wrvu_standing(store: BenchmarkStore, specialty: str, log: LogAggregates) -> WrvuStanding:
    """The clinician's annualised wRVUs and their percentile in the specialty."""
    name = store.specialty(specialty)
    annual = log.annualize(log.wrvu)
    compared = annual * log.medicare_share if log.medicare_share is not None else annual
    note = (
        f"{log.medicare_share:.0%} of your wRVUs counted as Medicare fee-for-service"
        if log.medicare_share is not None
        else "all-payer wRVUs compared with Medicare-only ones: your percentile reads high; give your "
        "Medicare share to compare like with like"
    )
    summary = store.summary(name)
    return WrvuStanding(
        specialty=name,
        annual_wrvu=annual,
        compared_wrvu=compared,
        percentile=store.percentile_of(name, compared),
        providers=int(summary["providers"]),
        p10=float(summary["p10"]),
        p25=float(summary["p25"]),
        p50=float(summary["p50"]),
        p75=float(summary["p75"]),
        p90=float(summary["p90"]),
        note=note,
    )


def em_standing(store: BenchmarkStore, specialty: str, em_counts: dict[str, int]) -> list[EmLevel]:
    """Your E/M level mix against the specialty's, family by family (families neither side bills are
    left out)."""
    mix = {(r["family"], r["hcpcs"]): r for r in store.em_mix(specialty)}
    out: list[EmLevel] = []
    for family, family_name, codes in EM_FAMILIES:
        yours_total = sum(em_counts.get(c, 0) for c in codes)
        theirs = [mix.get((family, c)) for c in codes]
        if yours_total == 0 and not any(theirs):
            continue
        for level, (code, row) in enumerate(zip(codes, theirs, strict=True), start=1):
            mine = em_counts.get(code, 0)
            out.append(
                EmLevel(
                    family=family,
                    family_name=family_name,
                    level=level,
                    hcpcs=code,
                    yours=mine,
                    your_share=mine / yours_total if yours_total else None,
                    specialty_share=float(row["share"]) if row else 0.0,
                )
            )
    return out


def code_standing(store: BenchmarkStore, specialty: str, log: LogAggregates) -> list[CodeVolume]:
    """Your annualised volume of each code against the median provider who bills it."""
    out = []
    for code in sorted(log.code_volumes):
        national = store.code(code)
        within = store.code_specialty(code, specialty)
        spec_median = float(within["median_provider_services"]) if within else None
        annual = log.annualize(log.code_volumes[code])
        out.append(
            CodeVolume(
                hcpcs=code,
                your_annual=annual,
                national_median=float(national["median_provider_services"]) if national else None,
                specialty_median=spec_median,
                ratio_to_specialty=annual / spec_median if spec_median else None,
            )
        )
    return out


def standing(store: BenchmarkStore, specialty: str, log: LogAggregates) -> Standing:
    """Percentile, E/M mix and per-code volumes in one report, with the method and caveats to show."""
    return Standing(
        wrvu=wrvu_standing(store, specialty, log),
        em=em_standing(store, specialty, log.em_counts),
        codes=code_standing(store, specialty, log),
        method=METHOD,
        caveats=store.caveats,
        synthetic=store.synthetic,
        label=store.meta.label,
    )
