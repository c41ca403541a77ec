-- Every percentile (0..100) of annual wRVUs per provider in each specialty, exact nearest-rank method:
-- the value at rank ceil(p * n / 100) (rank 1 for p = 0) in the providers ordered by wRVU, then NPI.
-- Window functions and integer ranks, not approximate quantile functions, so every engine agrees.
WITH ranked AS (
    SELECT
        specialty_id,
        wrvu,
        ROW_NUMBER() OVER (PARTITION BY specialty_id ORDER BY wrvu, npi) AS rn
    FROM provider_wrvu
),
counts AS (
    SELECT specialty_id, COUNT(*) AS n
    FROM provider_wrvu
    GROUP BY specialty_id
),
targets AS (
    SELECT
        c.specialty_id,
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
    s.specialty,
    t.p AS pct,
    CAST(ROUND(r.wrvu, 2) AS DECIMAL(18, 2)) AS wrvu,
    t.n AS providers
FROM targets AS t
JOIN ranked AS r ON r.specialty_id = t.specialty_id AND r.rn = t.target_rank
JOIN specialty_ids AS s ON s.specialty_id = t.specialty_id
