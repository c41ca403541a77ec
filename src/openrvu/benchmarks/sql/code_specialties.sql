-- Which specialties bill each code: their services, providers, share of the code's services, and the
-- median volume of a provider of that specialty who bills the code (nearest rank, by running count as in
-- code_stats.sql).
WITH running AS (
    SELECT
        code_id,
        specialty_id,
        services,
        SUM(providers) OVER (
            PARTITION BY code_id, specialty_id ORDER BY services
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS upto,
        SUM(providers) OVER (PARTITION BY code_id, specialty_id) AS n
    FROM code_volumes
),
medians AS (
    SELECT code_id, specialty_id, MIN(services) AS median_provider_services
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY code_id, specialty_id
),
totals AS (
    SELECT
        code_id,
        specialty_id,
        CAST(SUM(services * providers) AS DECIMAL(20, 2)) AS services,
        CAST(SUM(providers) AS BIGINT) AS providers
    FROM code_volumes
    GROUP BY code_id, specialty_id
)
SELECT
    c.hcpcs,
    s.specialty,
    t.services,
    t.providers,
    CAST(t.services AS DOUBLE) / CAST(SUM(t.services) OVER (PARTITION BY t.code_id) AS DOUBLE) AS share,
    CAST(m.median_provider_services AS DECIMAL(20, 2)) AS median_provider_services
FROM totals AS t
JOIN medians AS m ON m.code_id = t.code_id AND m.specialty_id = t.specialty_id
JOIN code_ids AS c ON c.code_id = t.code_id
JOIN specialty_ids AS s ON s.specialty_id = t.specialty_id
