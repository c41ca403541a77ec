-- How many providers of each specialty billed each code at each volume: a histogram of code_provider
-- (a few hundred thousand rows instead of ten million) with the sums the per-code and per-specialty
-- figures need. The medians come from it by a running count: exact (nearest rank) and far cheaper than
-- numbering every provider.
SELECT
    code_id,
    specialty_id,
    services,
    COUNT(*) AS providers,
    SUM(lines) AS lines,
    SUM(benes) AS benes,
    SUM(facility_services) AS facility_services
FROM code_provider
GROUP BY code_id, specialty_id, services
