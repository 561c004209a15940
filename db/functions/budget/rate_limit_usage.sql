-- Every rate limit with what its bucket holds now: what `moose limits list` and the metrics
-- draw. Reads without locking, so a figure can lag a call in flight by its own draw.
CREATE OR REPLACE FUNCTION public.rate_limit_usage()
RETURNS TABLE (scope text, key text, kind text, per_minute bigint, available numeric, percentage_available numeric,
               full_in_ms bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.scope, r.key, r.kind, r.per_minute, round(a.level, 3), round(100 * a.level / r.per_minute, 1),
           ceil((r.per_minute - a.level) * 60000 / r.per_minute)::bigint
    FROM public.rate_limits AS r
    CROSS JOIN LATERAL (SELECT private.rate_limit_refilled(r.available, r.per_minute, r.refilled_at, clock_timestamp()) AS level) AS a
    ORDER BY r.scope_rank, r.key, r.kind
$$;

REVOKE ALL ON FUNCTION public.rate_limit_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rate_limit_usage() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.rate_limit_usage() IS 'Each rate limit: scope, key, kind (requests | tokens), per_minute, available now (refilled), percentage_available, full_in_ms (until the bucket is full again); in lock order.';
