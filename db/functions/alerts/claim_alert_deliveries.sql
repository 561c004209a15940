-- The runner's claim: up to p_limit due deliveries, each with the complete HTTP request built
-- in SQL (private.alert_request), so the runner only POSTs and reports back with
-- record_alert_delivery_result(delivery_id, attempt, ...). Commit right after the call: the
-- rows are then 'sending' under a lease, and a runner killed before reporting leaves them due
-- again when the lease expires (at least once). Returns secrets (headers): runner and
-- service_role only.
CREATE OR REPLACE FUNCTION public.claim_alert_deliveries(p_worker text, p_limit integer DEFAULT 10)
RETURNS TABLE (
    delivery_id bigint,
    attempt integer,
    alert_id bigint,
    channel text,
    channel_kind text,
    url text,
    headers jsonb,
    body text,
    timeout_ms integer
)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF p_worker IS NULL OR p_limit IS NULL THEN
        RAISE EXCEPTION 'claim_alert_deliveries needs a worker name and a limit'
            USING ERRCODE = '22004', HINT = 'E.g. SELECT * FROM claim_alert_deliveries(''runner-1'', 10);';
    END IF;
    IF length(p_worker) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'worker name must be 1 to 200 characters, got %', length(p_worker)
            USING ERRCODE = '22023', HINT = 'Use host:pid or similar.';
    END IF;
    IF p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'claim limit must be between 1 and 1000, got %', p_limit
            USING ERRCODE = '22023', HINT = 'Claim in batches of about the sender''s thread count.';
    END IF;
    SELECT array_agg(c.id) INTO v_ids FROM private.alert_claim(p_worker, p_limit, 'runner') AS c(id);
    RETURN QUERY
        SELECT d.id, d.attempts, d.alert_id, r.req ->> 'channel', r.req ->> 'channel_kind', r.req ->> 'url',
               r.req -> 'headers', (r.req -> 'body')::text, (r.req ->> 'timeout_ms')::integer
        FROM public.alert_deliveries AS d
        CROSS JOIN LATERAL (SELECT private.alert_request(d.id) AS req) AS r
        WHERE d.id = ANY (coalesce(v_ids, '{}'))
        ORDER BY d.id;
END
$$;

REVOKE ALL ON FUNCTION public.claim_alert_deliveries(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.claim_alert_deliveries(text, integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.claim_alert_deliveries(text, integer) IS 'Runner: claim up to p_limit due alert deliveries (FOR UPDATE SKIP LOCKED, throttled per channel) and return each with its HTTP request (url, headers incl. secrets, body text to POST byte for byte, timeout_ms). Report each with record_alert_delivery_result.';
