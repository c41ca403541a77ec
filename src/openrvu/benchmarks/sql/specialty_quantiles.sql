-- Every percentile (0..100) of annual wRVUs per provider in each specialty, exact nearest-rank method:
-- the value at rank ceil(p * n / 100) (rank 1 for p = 0) in the providers ordered by wRVU, then NPI.
-- Window functions and integer ranks, not approximate quantile functions, so every engine agrees.
WITH ranked AS (
    SELECT
        specialty,
        wrvu,
        ROW_NUMBER() OVER (PARTITION BY specialty ORDER BY wrvu, npi) AS rn
    FROM provider_wrvu
),
counts AS (
    SELECT specialty, COUNT(*) AS n
    FROM provider_wrvu
    GROUP BY specialty
),
targets AS (
    SELECT
        c.specialty,
        c.n,
        p.p,
        CASE
            WHEN p.p = 0 THEN CAST(1 AS BIGINT)
            ELSE CAST(FLOOR((p.p * c.n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
        END AS target_rank
    FROM counts AS c
    CROSS JOIN percentiles AS p
)
SELECT
    t.specialty,
    t.p AS pct,
    CAST(ROUND(r.wrvu, 2) AS DECIMAL(18, 2)) AS wrvu,
    t.n AS providers
FROM targets AS t
JOIN ranked AS r ON r.specialty = t.specialty AND r.rn = t.target_rank
