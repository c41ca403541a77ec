-- National figures per code: services, providers, beneficiaries (summed over providers, so a patient seen
-- by two providers counts twice), wRVUs, and the median billing provider's volume (nearest rank).
WITH hist AS (
    -- The median as the smallest volume reached by half the providers: a histogram of volumes and a
    -- running count, exact (nearest rank) and far cheaper than numbering every provider.
    SELECT hcpcs, services, COUNT(*) AS k
    FROM code_provider
    GROUP BY hcpcs, services
),
running AS (
    SELECT
        hcpcs,
        services,
        SUM(k) OVER (PARTITION BY hcpcs ORDER BY services ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
        SUM(k) OVER (PARTITION BY hcpcs) AS n
    FROM hist
),
medians AS (
    SELECT hcpcs, MIN(services) AS median_provider_services
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY hcpcs
),
totals AS (
    SELECT
        hcpcs,
        CAST(SUM(services) AS DECIMAL(20, 2)) AS services,
        COUNT(*) AS providers,
        SUM(benes) AS beneficiaries,
        CAST(ROUND(SUM(wrvu), 2) AS DECIMAL(20, 2)) AS total_wrvu,
        CAST(SUM(facility_services) AS DECIMAL(20, 2)) AS facility_services,
        COUNT(DISTINCT specialty) AS specialties
    FROM code_provider
    GROUP BY hcpcs
)
SELECT
    t.hcpcs,
    t.services,
    t.providers,
    t.beneficiaries,
    t.total_wrvu,
    t.facility_services,
    t.specialties,
    CAST(COALESCE(r.work_rvu, 0) AS DECIMAL(7, 2)) AS work_rvu,
    m.median_provider_services
FROM totals AS t
JOIN medians AS m ON m.hcpcs = t.hcpcs
LEFT JOIN rvus AS r ON r.hcpcs = t.hcpcs
