-- Annual Medicare wRVUs per individual provider (entity I), providers with some wRVU only.
SELECT
    npi,
    specialty,
    CAST(SUM(wrvu) AS DECIMAL(20, 4)) AS wrvu,
    CAST(SUM(srvcs) AS DECIMAL(20, 2)) AS services,
    COUNT(*) AS lines
FROM lines
WHERE entity = 'I'
GROUP BY npi, specialty
HAVING SUM(wrvu) > 0
