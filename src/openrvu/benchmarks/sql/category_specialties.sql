-- Which specialties bill each category, with their share of the category's services.
WITH totals AS (
    SELECT category, specialty, SUM(services) AS services, COUNT(*) AS providers
    FROM category_provider
    GROUP BY category, specialty
)
SELECT
    category,
    specialty,
    CAST(services AS DECIMAL(20, 2)) AS services,
    providers,
    CAST(services AS DOUBLE) / CAST(SUM(services) OVER (PARTITION BY category) AS DOUBLE) AS share
FROM totals
