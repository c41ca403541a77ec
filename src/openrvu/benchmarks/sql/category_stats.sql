-- The per-code figures rolled up to categories (HCPCS ranges).
WITH hist AS (
    SELECT category, services, COUNT(*) AS k
    FROM category_provider
    GROUP BY category, services
),
running AS (
    SELECT
        category,
        services,
        SUM(k) OVER (PARTITION BY category ORDER BY services ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
        SUM(k) OVER (PARTITION BY category) AS n
    FROM hist
),
medians AS (
    SELECT category, MIN(services) AS median_provider_services
    FROM running
    WHERE upto >= CAST(FLOOR((50 * n + 99) / CAST(100 AS DOUBLE)) AS BIGINT)
    GROUP BY category
),
codes AS (
    SELECT c.category, COUNT(*) AS codes
    FROM code_stats AS s
    JOIN categories AS c ON c.hcpcs = s.hcpcs
    GROUP BY c.category
),
totals AS (
    SELECT
        category,
        CAST(SUM(services) AS DECIMAL(20, 2)) AS services,
        COUNT(*) AS providers,
        SUM(benes) AS beneficiaries,
        CAST(ROUND(SUM(wrvu), 2) AS DECIMAL(20, 2)) AS total_wrvu,
        COUNT(DISTINCT specialty) AS specialties
    FROM category_provider
    GROUP BY category
)
SELECT
    t.category,
    k.codes,
    t.services,
    t.providers,
    t.beneficiaries,
    t.total_wrvu,
    t.specialties,
    m.median_provider_services
FROM totals AS t
JOIN medians AS m ON m.category = t.category
JOIN codes AS k ON k.category = t.category
