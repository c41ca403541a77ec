-- Every specialty (CMS provider type) of the input once, with a small integer id (see code_ids.sql).
SELECT
    d.specialty,
    ROW_NUMBER() OVER (ORDER BY d.specialty) AS specialty_id
FROM (SELECT DISTINCT specialty FROM services) AS d
