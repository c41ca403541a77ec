-- E/M level mix per specialty: services at each level as a share of the family's services.
WITH em AS (
    SELECT
        l.specialty,
        e.family,
        e.family_name,
        e.level,
        l.hcpcs,
        SUM(l.srvcs) AS services,
        COUNT(DISTINCT l.npi) AS providers
    FROM lines AS l
    JOIN em_codes AS e ON l.hcpcs = e.hcpcs
    WHERE l.entity = 'I'
    GROUP BY l.specialty, e.family, e.family_name, e.level, l.hcpcs
)
SELECT
    specialty,
    family,
    family_name,
    level,
    hcpcs,
    CAST(services AS DECIMAL(20, 2)) AS services,
    providers,
    CAST(services AS DOUBLE) / CAST(SUM(services) OVER (PARTITION BY specialty, family) AS DOUBLE) AS share
FROM em
