-- The per-code figures rolled up to categories (HCPCS ranges): totals add up the exact per-code totals;
-- providers and the median provider's volume come from category_provider.
WITH hist AS (
    SELECT category_id, services, COUNT(*) AS k
    FROM category_provider
    GROUP BY category_id, services
),
running AS (
    SELECT
        category_id,
        services,
        SUM(k) OVER (PARTITION BY category_id ORDER BY services ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
        SUM(k) OVER (PARTITION BY category_id) AS n
    FROM hist
),
medians AS (
    SELECT category_id, MIN(services) AS median_provider_services, MAX(n) AS providers
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY category_id
),
totals AS (
    SELECT
        category_id,
        MIN(category) AS category,
        COUNT(*) AS codes,
        CAST(SUM(services) AS DECIMAL(20, 2)) AS services,
        SUM(beneficiaries) AS beneficiaries,
        CAST(ROUND(SUM(wrvu), 2) AS DECIMAL(20, 2)) AS total_wrvu
    FROM code_totals
    WHERE category IS NOT NULL
    GROUP BY category_id
),
specialties AS (
    SELECT c.category_id, COUNT(DISTINCT v.specialty_id) AS specialties
    FROM code_volumes AS v
    JOIN code_ids AS c ON c.code_id = v.code_id
    WHERE c.category IS NOT NULL
    GROUP BY c.category_id
)
SELECT
    t.category,
    t.codes,
    t.services,
    CAST(m.providers AS BIGINT) AS providers,
    t.beneficiaries,
    t.total_wrvu,
    s.specialties,
    CAST(m.median_provider_services AS DECIMAL(20, 2)) AS median_provider_services
FROM totals AS t
JOIN medians AS m ON m.category_id = t.category_id
JOIN specialties AS s ON s.category_id = t.category_id
