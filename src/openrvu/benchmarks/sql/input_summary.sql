-- What went in: lines, providers, services, and the services that earn no work RVU.
SELECT
    COUNT(*) AS lines,
    COUNT(DISTINCT npi) AS providers,
    CAST(SUM(srvcs) AS DECIMAL(20, 2)) AS services,
    CAST(SUM(CASE WHEN zero_work = 1 THEN srvcs ELSE 0 END) AS DECIMAL(20, 2)) AS zero_wrvu_services,
    SUM(zero_work) AS zero_wrvu_lines,
    CAST(ROUND(SUM(wrvu), 2) AS DECIMAL(20, 2)) AS total_wrvu
FROM lines
