-- One row per (code, provider): the provider's services of the code, both places of service together.
SELECT
    hcpcs,
    npi,
    specialty,
    CAST(SUM(srvcs) AS DECIMAL(20, 2)) AS services,
    SUM(benes) AS benes,
    CAST(SUM(wrvu) AS DECIMAL(20, 4)) AS wrvu,
    CAST(SUM(CASE WHEN pos = 'F' THEN srvcs ELSE 0 END) AS DECIMAL(20, 2)) AS facility_services
FROM lines
GROUP BY hcpcs, npi, specialty
