-- Exact per-code totals (wRVUs unrounded), read by code_stats, category_stats and input_summary.
WITH totals AS (
    SELECT
        code_id,
        CAST(SUM(services * providers) AS DECIMAL(20, 2)) AS services,
        CAST(SUM(providers) AS BIGINT) AS providers,
        SUM(lines) AS lines,
        SUM(benes) AS beneficiaries,
        CAST(SUM(facility_services) AS DECIMAL(20, 2)) AS facility_services,
        COUNT(DISTINCT specialty_id) AS specialties
    FROM code_volumes
    GROUP BY code_id
)
SELECT
    t.code_id,
    c.hcpcs,
    c.work_rvu,
    c.category,
    c.category_id,
    t.services,
    t.providers,
    t.lines,
    t.beneficiaries,
    t.facility_services,
    t.specialties,
    t.services * c.work_rvu AS wrvu
FROM totals AS t
JOIN code_ids AS c ON c.code_id = t.code_id
