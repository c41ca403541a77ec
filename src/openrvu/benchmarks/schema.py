"""The CMS "Medicare Physician & Other Practitioners" public use files: columns and sources, in one place.

Column names were checked against public copies of the CMS data dictionaries and of code that reads the
real files (found with the project's search tool, November 2026):

- by Provider and Service (``MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv``): the 28 columns below, in this order,
  are listed as "identical across all years" in a DuckDB ingest script of the 2013-2023 files that names
  every file URL (CMS landing page "medicare-physician-other-practitioners-by-provider-and-service"); the
  same list appears in the data dictionary tables reproduced by the R package ``provider``
  (andrewallenbruce.github.io/provider/articles/physician-by-service.html) and in several SQL loaders.
  Older vintages also carry ``Rndrng_Prvdr_Gndr`` between ``Rndrng_Prvdr_Crdntls`` and
  ``Rndrng_Prvdr_Ent_Cd`` (a MySQL loader of the by Provider file and an R modelling script select it).
  The dictionary defines ``Place_Of_Srvc`` as "Facility 'F', Non-Facility 'O'" and says rows are suppressed
  when ``Tot_Benes`` is below 11.
- by Geography and Service (``MUP_PHY_R25_P05_V20_D23_Geo.csv``): ``Rndrng_Prvdr_Geo_Lvl`` ("National" or
  "State"), ``Rndrng_Prvdr_Geo_Cd``, ``Rndrng_Prvdr_Geo_Desc``, then the HCPCS/volume/amount columns with
  ``Tot_Rndrng_Prvdrs`` (a documented MCP server's field list and two loaders of the 2023 file).
- by Provider: the identity columns, then ``Tot_HCPCS_Cds``, ``Tot_Benes``, ``Tot_Srvcs``,
  ``Tot_Sbmtd_Chrg``, ``Tot_Mdcr_Alowd_Amt``, ``Tot_Mdcr_Pymt_Amt``, ``Tot_Mdcr_Stdzd_Amt``, the
  ``Drug_*``/``Med_*`` split with ``Drug_Sprsn_Ind``/``Med_Sprsn_Ind``, and beneficiary profile columns
  (``Bene_Avg_Age`` ... ``Bene_Avg_Risk_Scre``; the ``Bene_CC_*`` chronic-condition names change between
  vintages, so only the stable prefix is checked).

data.cms.gov dataset ids (data API ``https://data.cms.gov/data-api/v1/dataset/<id>/data``; the id of the
"latest" dataset moves when CMS publishes a year): by Provider and Service
``92396110-2aed-4d63-a6a2-5d6207d46a29``, by Provider ``8889d81e-2ee7-448f-8713-f071038289b5``, by Geography
and Service 2023 ``ddee9e22-7889-4bef-975a-7853e4cd0fbb``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVIDER_SERVICE_COLUMNS: tuple[str, ...] = (
    "Rndrng_NPI",
    "Rndrng_Prvdr_Last_Org_Name",
    "Rndrng_Prvdr_First_Name",
    "Rndrng_Prvdr_MI",
    "Rndrng_Prvdr_Crdntls",
    "Rndrng_Prvdr_Ent_Cd",
    "Rndrng_Prvdr_St1",
    "Rndrng_Prvdr_St2",
    "Rndrng_Prvdr_City",
    "Rndrng_Prvdr_State_Abrvtn",
    "Rndrng_Prvdr_State_FIPS",
    "Rndrng_Prvdr_Zip5",
    "Rndrng_Prvdr_RUCA",
    "Rndrng_Prvdr_RUCA_Desc",
    "Rndrng_Prvdr_Cntry",
    "Rndrng_Prvdr_Type",
    "Rndrng_Prvdr_Mdcr_Prtcptg_Ind",
    "HCPCS_Cd",
    "HCPCS_Desc",
    "HCPCS_Drug_Ind",
    "Place_Of_Srvc",
    "Tot_Benes",
    "Tot_Srvcs",
    "Tot_Bene_Day_Srvcs",
    "Avg_Sbmtd_Chrg",
    "Avg_Mdcr_Alowd_Amt",
    "Avg_Mdcr_Pymt_Amt",
    "Avg_Mdcr_Stdzd_Amt",
)

# Older vintages: the same file with the provider's gender after the credentials.
OLDER_GENDER_COLUMN = "Rndrng_Prvdr_Gndr"

# What the build reads from a by Provider and Service file, with the type it is cast to. Everything else in
# the file is read as text and never used (names and street addresses never leave the CSV).
BUILD_COLUMNS: dict[str, str] = {
    "Rndrng_NPI": "BIGINT",  # ten digits by definition: integer keys hash and sort faster
    "Rndrng_Prvdr_Ent_Cd": "VARCHAR",
    "Rndrng_Prvdr_Type": "VARCHAR",
    "HCPCS_Cd": "VARCHAR",
    "Place_Of_Srvc": "VARCHAR",
    "Tot_Benes": "BIGINT",
    "Tot_Srvcs": "DECIMAL(18,2)",
}

GEOGRAPHY_SERVICE_COLUMNS: tuple[str, ...] = (
    "Rndrng_Prvdr_Geo_Lvl",
    "Rndrng_Prvdr_Geo_Cd",
    "Rndrng_Prvdr_Geo_Desc",
    "HCPCS_Cd",
    "HCPCS_Desc",
    "HCPCS_Drug_Ind",
    "Place_Of_Srvc",
    "Tot_Rndrng_Prvdrs",
    "Tot_Benes",
    "Tot_Srvcs",
    "Tot_Bene_Day_Srvcs",
    "Avg_Sbmtd_Chrg",
    "Avg_Mdcr_Alowd_Amt",
    "Avg_Mdcr_Pymt_Amt",
    "Avg_Mdcr_Stdzd_Amt",
)

PROVIDER_COLUMNS_REQUIRED: tuple[str, ...] = (
    "Rndrng_NPI",
    "Rndrng_Prvdr_Ent_Cd",
    "Rndrng_Prvdr_State_Abrvtn",
    "Rndrng_Prvdr_Type",
    "Rndrng_Prvdr_Mdcr_Prtcptg_Ind",
    "Tot_HCPCS_Cds",
    "Tot_Benes",
    "Tot_Srvcs",
    "Tot_Sbmtd_Chrg",
    "Tot_Mdcr_Alowd_Amt",
    "Tot_Mdcr_Pymt_Amt",
    "Tot_Mdcr_Stdzd_Amt",
    "Drug_Sprsn_Ind",
    "Med_Sprsn_Ind",
    "Bene_Avg_Age",
    "Bene_Avg_Risk_Scre",
)

# CMS drops provider/service lines with fewer than this many distinct beneficiaries.
SUPPRESSION_MIN_BENES = 11

FILE_KINDS = ("prov_svc", "prov", "geo")


@dataclass(frozen=True)
class OfficialFile:
    """One downloadable CMS file: what it is, where it lives, and what we know to verify it."""

    year: int
    kind: str  # one of FILE_KINDS
    url: str
    size: int | None = None
    sha256: str | None = None

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


_CMS = "https://data.cms.gov/sites/default/files"

# Direct CSV links as published on data.cms.gov (the landing pages link them). CMS re-issues files now and
# then, so a 404 means: take the current link from the landing page and pass it with --url. Sizes and
# hashes are not published by CMS; a download is checked against the server's length and the CSV header.
OFFICIAL_FILES: tuple[OfficialFile, ...] = (
    OfficialFile(
        2013,
        "prov_svc",
        f"{_CMS}/2025-11/bf4231f9-ec7f-4189-afc3-ba5d53b8bd12/MUP_PHY_R25_P04_V20_D13_Prov_Svc.csv",
    ),
    OfficialFile(
        2014,
        "prov_svc",
        f"{_CMS}/2025-11/6700f86d-d2e5-4f2d-9dcb-8c30412768ff/MUP_PHY_R25_P04_V20_D14_Prov_Svc.csv",
    ),
    OfficialFile(
        2015,
        "prov_svc",
        f"{_CMS}/2025-11/14954ce3-4c43-43df-97e9-2c0437d7b43c/MUP_PHY_R25_P04_V20_D15_Prov_Svc.csv",
    ),
    OfficialFile(
        2016,
        "prov_svc",
        f"{_CMS}/2025-11/426bf97a-4cb8-47ca-9727-a535d9e8c298/MUP_PHY_R25_P04_V20_D16_Prov_Svc.csv",
    ),
    OfficialFile(
        2017,
        "prov_svc",
        f"{_CMS}/2025-11/4623fb40-781e-4eef-860e-b851cd5d10ea/MUP_PHY_R25_P04_V20_D17_Prov_Svc.csv",
    ),
    OfficialFile(
        2018,
        "prov_svc",
        f"{_CMS}/2025-11/5669eafb-f0b3-4dc5-be6d-abc09b480c2e/MUP_PHY_R25_P04_V20_D18_Prov_Svc.csv",
    ),
    OfficialFile(
        2019,
        "prov_svc",
        f"{_CMS}/2025-11/7befba27-752e-47a8-a76c-6c6d4f74f2e3/MUP_PHY_R25_P04_V20_D19_Prov_Svc.csv",
    ),
    OfficialFile(
        2020,
        "prov_svc",
        f"{_CMS}/2025-11/d22b18cd-7726-4bf5-8e9c-3e4587c589a1/MUP_PHY_R25_P04_V20_D20_Prov_Svc.csv",
    ),
    OfficialFile(
        2021,
        "prov_svc",
        f"{_CMS}/2025-11/bffaf97a-c2ab-4fd7-8718-be90742e3485/MUP_PHY_R25_P04_V20_D21_Prov_Svc.csv",
    ),
    OfficialFile(
        2022,
        "prov_svc",
        f"{_CMS}/2025-11/53fb2bae-4913-48dc-a6d4-d8c025906567/MUP_PHY_R25_P05_V20_D22_Prov_Svc.csv",
    ),
    OfficialFile(
        2023,
        "prov_svc",
        f"{_CMS}/2025-04/e3f823f8-db5b-4cc7-ba04-e7ae92b99757/MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv",
    ),
    OfficialFile(
        2020, "geo", f"{_CMS}/2022-07/0d730fe9-deb8-453b-a2fd-ce778286d9f6/MUP_PHY_R22_P05_V10_D20_Geo.csv"
    ),
    OfficialFile(
        2021, "geo", f"{_CMS}/2023-05/0a47308e-812e-42cb-8ecf-0c1f457ab849/MUP_PHY_R23_P05_V10_D21_Geo.csv"
    ),
    OfficialFile(
        2022, "geo", f"{_CMS}/2024-05/3167b4d9-10c0-48f0-a680-1165f4eec064/MUP_PHY_R24_P05_V10_D22_Geo.csv"
    ),
    OfficialFile(
        2023, "geo", f"{_CMS}/2025-04/3b718a11-a28d-4c38-a13b-2c6eeb649980/MUP_PHY_R25_P05_V20_D23_Geo.csv"
    ),
    OfficialFile(
        2024, "geo", f"{_CMS}/2026-05/e534c74b-79b8-4892-8a95-5a17e2dfec9f/MUP_PHY_R26_P05_V10_D24_Geo.csv"
    ),
)

# CMS names each file ..._D<yy>_<kind>.csv with <yy> the data year.
_YEAR_IN_NAME = re.compile(r"_D(\d{2})_(Prov_Svc|Prov|Geo)\b", re.IGNORECASE)


def official_files(year: int, kind: str | None = None) -> list[OfficialFile]:
    """The known official files of a data year (optionally of one kind)."""
    return [f for f in OFFICIAL_FILES if f.year == year and (kind is None or f.kind == kind)]


def year_from_filename(name: str) -> int | None:
    """The data year CMS encodes in a file name (``..._D23_Prov_Svc.csv`` -> 2023), or None."""
    match = _YEAR_IN_NAME.search(name)
    return 2000 + int(match.group(1)) if match else None


def kind_of_header(columns: list[str] | tuple[str, ...]) -> str | None:
    """Which of the three files a header belongs to, or None when it is none of them."""
    present = set(columns)
    if {"Rndrng_NPI", "HCPCS_Cd", "Tot_Bene_Day_Srvcs"} <= present:
        return "prov_svc"
    if {"Rndrng_Prvdr_Geo_Lvl", "HCPCS_Cd", "Tot_Rndrng_Prvdrs"} <= present:
        return "geo"
    if {"Rndrng_NPI", "Tot_HCPCS_Cds"} <= present:
        return "prov"
    return None


def required_columns(kind: str) -> tuple[str, ...]:
    """The columns a file of this kind must have for openrvu to use it."""
    if kind == "prov_svc":
        return tuple(BUILD_COLUMNS)
    if kind == "geo":
        return GEOGRAPHY_SERVICE_COLUMNS
    if kind == "prov":
        return PROVIDER_COLUMNS_REQUIRED
    raise ValueError(f"unknown file kind {kind!r}; expected one of {', '.join(FILE_KINDS)}")
