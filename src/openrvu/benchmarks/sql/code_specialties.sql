-- Which specialties bill each code: their services, providers, share of the code's services, and the
-- median volume of a provider of that specialty who bills the code (nearest rank, by running count as in
-- code_stats.sql).
WITH hist AS (
    SELECT hcpcs, specialty, services, COUNT(*) AS k
    FROM code_provider
    GROUP BY hcpcs, specialty, services
),
running AS (
    SELECT
        hcpcs,
        specialty,
        services,
        SUM(k) OVER (
            PARTITION BY hcpcs, specialty ORDER BY services ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS upto,
        SUM(k) OVER (PARTITION BY hcpcs, specialty) AS n
    FROM hist
),
medians AS (
    SELECT hcpcs, specialty, MIN(services) AS median_provider_services
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY hcpcs, specialty
),
totals AS (
    SELECT hcpcs, specialty, SUM(services) AS services, COUNT(*) AS providers
    FROM code_provider
    GROUP BY hcpcs, specialty
)
SELECT
    t.hcpcs,
    t.specialty,
    CAST(t.services AS DECIMAL(20, 2)) AS services,
    t.providers,
    CAST(t.services AS DOUBLE) / CAST(SUM(t.services) OVER (PARTITION BY t.hcpcs) AS DOUBLE) AS share,
    m.median_provider_services
FROM totals AS t
JOIN medians AS m ON m.hcpcs = t.hcpcs AND m.specialty = t.specialty
