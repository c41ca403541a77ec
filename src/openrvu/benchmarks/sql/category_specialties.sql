-- Which specialties bill each category, with their share of the category's services.
WITH services AS (
    SELECT c.category_id, v.specialty_id, SUM(v.services * v.providers) AS services
    FROM code_volumes AS v
    JOIN code_ids AS c ON c.code_id = v.code_id
    WHERE c.category IS NOT NULL
    GROUP BY c.category_id, v.specialty_id
),
providers AS (
    SELECT category_id, specialty_id, COUNT(*) AS providers
    FROM category_provider
    GROUP BY category_id, specialty_id
),
names AS (
    SELECT DISTINCT category_id, category
    FROM code_ids
    WHERE category IS NOT NULL
)
SELECT
    n.category,
    s.specialty,
    CAST(v.services AS DECIMAL(20, 2)) AS services,
    p.providers,
    CAST(v.services AS DOUBLE) / CAST(SUM(v.services) OVER (PARTITION BY v.category_id) AS DOUBLE) AS share
FROM services AS v
JOIN providers AS p ON p.category_id = v.category_id AND p.specialty_id = v.specialty_id
JOIN names AS n ON n.category_id = v.category_id
JOIN specialty_ids AS s ON s.specialty_id = v.specialty_id
