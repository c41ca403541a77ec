-- Every code of the input once, with a small integer id, its credited work RVU and its category. The
-- large aggregations group by these integer ids instead of text (several times cheaper on 10 million
-- lines), and per-code facts are joined once per code instead of once per line.
SELECT
    d.hcpcs,
    ROW_NUMBER() OVER (ORDER BY d.hcpcs) AS code_id,
    CAST(COALESCE(r.work_rvu, 0) AS DECIMAL(7, 2)) AS work_rvu,
    c.category,
    DENSE_RANK() OVER (ORDER BY c.category) AS category_id
FROM (SELECT DISTINCT hcpcs FROM services) AS d
LEFT JOIN rvus AS r ON r.hcpcs = d.hcpcs
LEFT JOIN categories AS c ON c.hcpcs = d.hcpcs
