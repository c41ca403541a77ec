-- The reference database: CMS PFS releases and the yearly/vintage tables around them.
-- Numbers are stored as TEXT (the exact decimal CMS printed) and read back as Decimal.

CREATE TABLE IF NOT EXISTS source_file (
    sha256      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    release     TEXT,            -- PPRRVU files: the release they hold
    year        INTEGER,         -- GPCI/LOCCO/ANES/OPPSCAP: the calendar year they apply to
    vintage     TEXT,            -- ZIP5 (YYYYQ) and HCPCS Level II (YYYY-MM)
    loaded_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS release (
    name            TEXT PRIMARY KEY,   -- RVU26C
    year            INTEGER NOT NULL,
    quarter         TEXT NOT NULL,
    effective_date  TEXT NOT NULL,
    released_on     TEXT,
    title           TEXT NOT NULL,
    conv_factor     TEXT NOT NULL,
    conv_factor_qp  TEXT,
    rvu_rows        INTEGER NOT NULL,
    columns         TEXT NOT NULL       -- the merged PPRRVU header, "|" separated
);

CREATE TABLE IF NOT EXISTS rvu (
    release TEXT NOT NULL, hcpcs TEXT NOT NULL, modifier TEXT NOT NULL,
    description TEXT NOT NULL, status_code TEXT NOT NULL, not_used_for_medicare INTEGER NOT NULL,
    work_rvu TEXT NOT NULL, nonfac_pe_rvu TEXT NOT NULL, nonfac_na INTEGER NOT NULL,
    fac_pe_rvu TEXT NOT NULL, fac_na INTEGER NOT NULL, mp_rvu TEXT NOT NULL,
    nonfac_total TEXT NOT NULL, fac_total TEXT NOT NULL, pctc TEXT NOT NULL, global_days TEXT NOT NULL,
    pre_op TEXT NOT NULL, intra_op TEXT NOT NULL, post_op TEXT NOT NULL,
    mult_proc TEXT NOT NULL, bilat_surg TEXT NOT NULL, asst_surg TEXT NOT NULL, co_surg TEXT NOT NULL,
    team_surg TEXT NOT NULL, pric_ind TEXT, endo_base TEXT NOT NULL, conv_factor TEXT NOT NULL,
    supervision TEXT NOT NULL, calc_flag TEXT NOT NULL, imaging_family TEXT NOT NULL,
    nonfac_pe_opps TEXT NOT NULL, fac_pe_opps TEXT NOT NULL, mp_opps TEXT NOT NULL,
    PRIMARY KEY (release, hcpcs, modifier)
) WITHOUT ROWID;

-- Which file currently provides a year's GPCI / LOCCO / ANES / OPPSCAP table.
CREATE TABLE IF NOT EXISTS yearly_file (
    year INTEGER NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (year, kind)
);

CREATE TABLE IF NOT EXISTS gpci (
    year INTEGER NOT NULL, carrier TEXT NOT NULL, locality TEXT NOT NULL, state TEXT NOT NULL, name TEXT NOT NULL,
    work_gpci TEXT NOT NULL, work_gpci_unfloored TEXT, pe_gpci TEXT NOT NULL, mp_gpci TEXT NOT NULL,
    PRIMARY KEY (year, carrier, locality)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS locco (
    year INTEGER NOT NULL, seq INTEGER NOT NULL, carrier TEXT NOT NULL, locality TEXT NOT NULL,
    state TEXT NOT NULL, fee_schedule_area TEXT NOT NULL, counties TEXT NOT NULL,
    PRIMARY KEY (year, seq)
);

CREATE TABLE IF NOT EXISTS anes (
    year INTEGER NOT NULL, carrier TEXT NOT NULL, locality TEXT NOT NULL, name TEXT NOT NULL,
    conv_factor TEXT NOT NULL, conv_factor_qp TEXT,
    PRIMARY KEY (year, carrier, locality)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS oppscap (
    year INTEGER NOT NULL, hcpcs TEXT NOT NULL, modifier TEXT NOT NULL, carrier TEXT NOT NULL,
    locality TEXT NOT NULL, procstat TEXT NOT NULL, fac_price TEXT NOT NULL, nonfac_price TEXT NOT NULL,
    PRIMARY KEY (year, hcpcs, modifier, carrier, locality)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS zip5 (
    vintage TEXT NOT NULL, zip5 TEXT NOT NULL, state TEXT NOT NULL, carrier TEXT NOT NULL,
    locality TEXT NOT NULL, rural TEXT NOT NULL,
    PRIMARY KEY (vintage, zip5)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS zip5_by_zip ON zip5 (zip5, vintage);

CREATE TABLE IF NOT EXISTS hcpcs2 (
    vintage TEXT NOT NULL, hcpcs TEXT NOT NULL, is_modifier INTEGER NOT NULL,
    long_description TEXT NOT NULL, short_description TEXT NOT NULL, betos TEXT NOT NULL, coverage TEXT NOT NULL,
    added TEXT, action_effective TEXT, terminated TEXT, action_code TEXT NOT NULL,
    PRIMARY KEY (vintage, hcpcs, is_modifier)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hcpcs2_by_code ON hcpcs2 (hcpcs, is_modifier, vintage);

-- Per release and category: how many codes, how many without work RVU, and the sorted work RVUs
-- (comma separated), so a lookup can place a code in its category without scanning the release.
CREATE TABLE IF NOT EXISTS category_stats (
    release TEXT NOT NULL, category TEXT NOT NULL, codes INTEGER NOT NULL, zero_work INTEGER NOT NULL,
    work_values TEXT NOT NULL,
    PRIMARY KEY (release, category)
) WITHOUT ROWID;
