-- E/M level mix per specialty: services at each level as a share of the family's services, individual
-- providers (entity I) only. A code_provider row is one provider, so COUNT(npi) counts distinct providers.
WITH em AS (
    SELECT
        p.specialty_id,
        e.family,
        e.family_name,
        e.level,
        e.hcpcs,
        SUM(p.individual_services) AS services,
        COUNT(p.npi) AS providers
    FROM code_provider AS p
    JOIN code_ids AS c ON c.code_id = p.code_id
    JOIN em_codes AS e ON e.hcpcs = c.hcpcs
    WHERE p.individual_lines > 0
    GROUP BY p.specialty_id, e.family, e.family_name, e.level, e.hcpcs
)
SELECT
    s.specialty,
    em.family,
    em.family_name,
    em.level,
    em.hcpcs,
    CAST(em.services AS DECIMAL(20, 2)) AS services,
    em.providers,
    CAST(em.services AS DOUBLE)
    / CAST(SUM(em.services) OVER (PARTITION BY em.specialty_id, em.family) AS DOUBLE) AS share
FROM em
JOIN specialty_ids AS s ON s.specialty_id = em.specialty_id
