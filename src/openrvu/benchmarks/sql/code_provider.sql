-- One row per (code, provider): the provider's lines and services of the code, both places of service
-- together, with the individual (entity I) part apart for the per-provider wRVUs and the E/M mix, which
-- count individuals only. The only aggregation over every line: every later step reads this table or a
-- smaller one. Null-safe joins keep a line with an empty code or specialty, as a GROUP BY would.
SELECT
    c.code_id,
    s.npi,
    p.specialty_id,
    COUNT(*) AS lines,
    CAST(SUM(s.srvcs) AS DECIMAL(18, 2)) AS services,
    CAST(SUM(s.benes) AS BIGINT) AS benes,
    CAST(SUM(CASE WHEN s.pos = 'F' THEN s.srvcs ELSE 0 END) AS DECIMAL(18, 2)) AS facility_services,
    COUNT(CASE WHEN s.entity = 'I' THEN 1 END) AS individual_lines,
    CAST(SUM(CASE WHEN s.entity = 'I' THEN s.srvcs ELSE 0 END) AS DECIMAL(18, 2)) AS individual_services
FROM services AS s
JOIN code_ids AS c ON c.hcpcs IS NOT DISTINCT FROM s.hcpcs
JOIN specialty_ids AS p ON p.specialty IS NOT DISTINCT FROM s.specialty
GROUP BY c.code_id, s.npi, p.specialty_id
