-- Annual Medicare wRVUs per individual provider (entity I), providers with some wRVU only.
SELECT
    npi,
    specialty_id,
    wrvu
FROM provider_totals
WHERE wrvu > 0
