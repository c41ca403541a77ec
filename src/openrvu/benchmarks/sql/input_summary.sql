-- What went in: lines, providers, services, and the services that earn no work RVU.
WITH codes AS (
    SELECT
        SUM(lines) AS lines,
        CAST(SUM(services) AS DECIMAL(20, 2)) AS services,
        CAST(SUM(CASE WHEN work_rvu = 0 THEN services ELSE 0 END) AS DECIMAL(20, 2)) AS zero_wrvu_services,
        SUM(CASE WHEN work_rvu = 0 THEN lines ELSE 0 END) AS zero_wrvu_lines,
        CAST(ROUND(SUM(wrvu), 2) AS DECIMAL(20, 2)) AS total_wrvu
    FROM code_totals
),
people AS (
    SELECT COUNT(DISTINCT npi) AS providers
    FROM provider_totals
)
SELECT
    CAST(c.lines AS BIGINT) AS lines,
    p.providers,
    c.services,
    c.zero_wrvu_services,
    c.zero_wrvu_lines,
    c.total_wrvu
FROM codes AS c
CROSS JOIN people AS p
