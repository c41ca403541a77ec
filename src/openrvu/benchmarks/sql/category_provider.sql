-- One row per (category, provider): the provider's services and wRVUs in the category.
SELECT
    c.category,
    p.npi,
    p.specialty,
    CAST(SUM(p.services) AS DECIMAL(20, 2)) AS services,
    SUM(p.benes) AS benes,
    CAST(SUM(p.wrvu) AS DECIMAL(20, 4)) AS wrvu
FROM code_provider AS p
JOIN categories AS c ON c.hcpcs = p.hcpcs
GROUP BY c.category, p.npi, p.specialty
