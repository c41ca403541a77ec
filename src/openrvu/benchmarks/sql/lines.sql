-- One row per PUF line with the work RVU credited per service (see openrvu.benchmarks.rvus.WRVU_RULE).
-- Decimal arithmetic throughout, so that DuckDB and Spark produce identical sums.
SELECT
    s.npi,
    s.entity,
    s.specialty,
    s.hcpcs,
    s.pos,
    s.benes,
    s.srvcs,
    CAST(COALESCE(r.work_rvu, 0) AS DECIMAL(7, 2)) AS work_rvu,
    CAST(s.srvcs * COALESCE(r.work_rvu, 0) AS DECIMAL(20, 4)) AS wrvu,
    CASE WHEN COALESCE(r.work_rvu, 0) = 0 THEN 1 ELSE 0 END AS zero_work
FROM services AS s
LEFT JOIN rvus AS r ON s.hcpcs = r.hcpcs
