-- Every rate limit with what it holds now, its stripes refilled and added up: what `moose
-- limits list`, `moose budget` and the metrics draw. Reads without locking, so a figure can lag
-- a call in flight by its own draw. A bucket a settle overdrew (tokens used beyond the call's
-- draw) shows below zero, in available and percentage_available, and full_in_ms over a minute.
CREATE OR REPLACE FUNCTION public.rate_limit_usage()
RETURNS TABLE (scope text, key text, kind text, per_minute bigint, available numeric, percentage_available numeric,
               full_in_ms bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.scope, r.key, r.kind, max(r.per_minute), round(sum(a.level), 3), round(100 * sum(a.level) / max(r.per_minute), 1),
           ceil(max((r.share - a.level) * 60000 / r.share))::bigint
    FROM public.rate_limits AS r
    CROSS JOIN LATERAL (SELECT private.rate_limit_level(r.available, r.share, r.refilled_at, clock_timestamp()) AS level) AS a
    GROUP BY r.scope_rank, r.scope, r.key, r.kind
    ORDER BY r.scope_rank, r.key, r.kind
$$;

REVOKE ALL ON FUNCTION public.rate_limit_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rate_limit_usage() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.rate_limit_usage() IS 'Each rate limit: scope, key, kind (requests | tokens), per_minute, available now (its stripes refilled and added up), percentage_available, full_in_ms (until every stripe is full again); available and percentage_available are negative while a bucket a settle overdrew refills; in lock order.';
