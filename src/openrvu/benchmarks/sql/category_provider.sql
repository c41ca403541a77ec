-- One row per (category, provider): the provider's services in the category, for the providers counts
-- and the median volume; the category's other totals add up the per-code totals.
SELECT
    c.category_id,
    p.npi,
    p.specialty_id,
    CAST(SUM(p.services) AS DECIMAL(18, 2)) AS services
FROM code_provider AS p
JOIN code_ids AS c ON c.code_id = p.code_id
WHERE c.category IS NOT NULL
GROUP BY c.category_id, p.npi, p.specialty_id
