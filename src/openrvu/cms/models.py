"""Typed records for every CMS file openrvu reads.

These dataclasses are the contract between the parsers (``openrvu.cms``), the reference database
(``openrvu.reference``) and the pricing engine (``openrvu.pricing``). Numbers that take part in money
arithmetic are ``Decimal``; indicator values stay as the CMS strings ("1", "090", "A") and are decoded
to words by ``openrvu.cms.indicators``. A blank modifier is ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RvuRow:
    """One row of the PPRRVU file: key (HCPCS, modifier) within a release."""

    hcpcs: str
    modifier: str
    description: str
    status_code: str
    not_used_for_medicare: bool
    work_rvu: Decimal
    nonfac_pe_rvu: Decimal
    nonfac_na: bool
    fac_pe_rvu: Decimal
    fac_na: bool
    mp_rvu: Decimal
    nonfac_total: Decimal
    fac_total: Decimal
    pctc: str
    global_days: str
    pre_op: Decimal
    intra_op: Decimal
    post_op: Decimal
    mult_proc: str
    bilat_surg: str
    asst_surg: str
    co_surg: str
    team_surg: str
    pric_ind: str | None  # CY2026 on; None where the release has no such column
    endo_base: str
    conv_factor: Decimal
    supervision: str
    calc_flag: str
    imaging_family: str
    nonfac_pe_opps: Decimal
    fac_pe_opps: Decimal
    mp_opps: Decimal


@dataclass(frozen=True, slots=True)
class GpciRow:
    """Geographic practice cost indices of one payment locality (carrier, locality)."""

    carrier: str  # 5 digits, zero padded: "01112"
    locality: str  # 2 digits, zero padded: "05"
    state: str
    name: str
    work_gpci: Decimal  # with the 1.0 floor where the file gives both
    work_gpci_unfloored: Decimal | None
    pe_gpci: Decimal
    mp_gpci: Decimal


@dataclass(frozen=True, slots=True)
class LocalityCounties:
    """A row of the LOCCO file: which counties make a locality."""

    carrier: str
    locality: str
    state: str
    fee_schedule_area: str
    counties: str


@dataclass(frozen=True, slots=True)
class AnesthesiaCf:
    """The anesthesia conversion factor of one locality (ANES file)."""

    carrier: str
    locality: str
    name: str
    conv_factor: Decimal  # the non-qualifying APM CF where the file gives both
    conv_factor_qp: Decimal | None


@dataclass(frozen=True, slots=True)
class OppsCapRow:
    """OPPS-based payment cap for an imaging service in one locality (OPPSCAP file)."""

    hcpcs: str
    modifier: str
    procstat: str
    carrier: str
    locality: str
    fac_price: Decimal
    nonfac_price: Decimal


@dataclass(frozen=True, slots=True)
class ZipLocality:
    """ZIP code to carrier/pricing locality (ZIP5 file)."""

    zip5: str
    state: str
    carrier: str
    locality: str
    rural: str  # "" urban, "R" rural, "B" super rural
    year_quarter: str


@dataclass(frozen=True, slots=True)
class PaymentAmount:
    """One record of a CMS payment amount file (PFALL / PFREV layout)."""

    year: int
    carrier: str
    locality: str
    hcpcs: str
    modifier: str
    nonfac_amount: Decimal
    fac_amount: Decimal
    pctc: str
    status_code: str
    mult_surg: str
    therapy_nonfac: Decimal
    therapy_fac: Decimal
    opps_ind: str
    opps_nonfac: Decimal
    opps_fac: Decimal


@dataclass(frozen=True, slots=True)
class HcpcsLevel2Row:
    """A record of the HCPCS Level II alpha-numeric file (ANWEB): a code or a Level II modifier."""

    hcpcs: str  # code ("G0320") or, for modifier records, the 2-character modifier ("GT")
    is_modifier: bool
    long_description: str
    short_description: str
    betos: str
    coverage: str
    added: date | None
    action_effective: date | None
    terminated: date | None
    action_code: str


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file a release (or a yearly table) was loaded from: name, what it is, hash and row count."""

    name: str
    kind: str  # "pprrvu", "gpci", "locco", "anes", "oppscap", "zip5", "hcpcs2"
    sha256: str
    rows: int


@dataclass(frozen=True, slots=True)
class Release:
    """A PFS release loaded in the reference database (e.g. RVU26C), immutable once stored."""

    name: str  # "RVU26C"
    year: int
    quarter: str  # "A" (January) .. "D" (October)
    effective_date: date
    released_on: date | None  # the "RELEASED mm/dd/yyyy" date of the file, when it has one
    title: str
    conv_factor: Decimal  # the default (non-qualifying APM) conversion factor
    conv_factor_qp: Decimal | None  # the qualifying APM participant CF, when a QPP file was loaded
    rvu_rows: int
    source_files: tuple[SourceFile, ...]  # the PPRRVU file(s) and the yearly files attached to the release
