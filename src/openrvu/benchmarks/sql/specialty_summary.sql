-- The headline percentiles per specialty, taken from the fine quantile table.
SELECT
    specialty,
    MAX(providers) AS providers,
    MAX(CASE WHEN pct = 10 THEN wrvu END) AS p10,
    MAX(CASE WHEN pct = 25 THEN wrvu END) AS p25,
    MAX(CASE WHEN pct = 50 THEN wrvu END) AS p50,
    MAX(CASE WHEN pct = 75 THEN wrvu END) AS p75,
    MAX(CASE WHEN pct = 90 THEN wrvu END) AS p90
FROM specialty_quantiles
GROUP BY specialty
