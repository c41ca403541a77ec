-- National figures per code: services, providers, beneficiaries (summed over providers, so a patient seen
-- by two providers counts twice), wRVUs, and the median billing provider's volume (nearest rank: the
-- smallest volume reached by half the providers, by a running count over the histogram).
WITH hist AS (
    SELECT code_id, services, SUM(providers) AS k
    FROM code_volumes
    GROUP BY code_id, services
),
running AS (
    SELECT
        code_id,
        services,
        SUM(k) OVER (PARTITION BY code_id ORDER BY services ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
        SUM(k) OVER (PARTITION BY code_id) AS n
    FROM hist
),
medians AS (
    SELECT code_id, MIN(services) AS median_provider_services
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY code_id
)
SELECT
    t.hcpcs,
    t.services,
    t.providers,
    t.beneficiaries,
    CAST(ROUND(t.wrvu, 2) AS DECIMAL(20, 2)) AS total_wrvu,
    t.facility_services,
    t.specialties,
    t.work_rvu,
    CAST(m.median_provider_services AS DECIMAL(20, 2)) AS median_provider_services
FROM code_totals AS t
JOIN medians AS m ON m.code_id = t.code_id
