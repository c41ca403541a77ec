-- One row per provider: the wRVUs of its individual (entity I) lines. Work RVU x services summed per code
-- first is the same exact decimal as summing line by line (one work RVU per code).
SELECT
    p.npi,
    p.specialty_id,
    CAST(SUM(p.individual_services * c.work_rvu) AS DECIMAL(20, 4)) AS wrvu
FROM code_provider AS p
JOIN code_ids AS c ON c.code_id = p.code_id
GROUP BY p.npi, p.specialty_id
