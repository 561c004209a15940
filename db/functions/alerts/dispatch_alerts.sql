-- Delivery without the runner, where pg_net exists (Supabase): settle what pg_net answered
-- since the last call (reconcile_alert_deliveries), then claim due deliveries exactly as the
-- runner does and hand each to net.http_post, recording pg_net's request id. pg_net starts the
-- requests after this transaction commits, never retries and keeps its queue in unlogged
-- tables, so alert_deliveries stays the record: reconcile_alert_deliveries turns a request pg_net
-- lost into a retry. pg_net's worker sends one batch about every second; a batch per channel is
-- at most alert_channel_max_in_flight. Call it every few seconds (pg_cron or the scheduler).
-- pg_net is looked up at run time (private.pg_net_installed + EXECUTE), so this file installs and
-- passes plpgsql_check on a server without pg_net; calling it there is a clear 55000.
CREATE OR REPLACE FUNCTION public.dispatch_alerts(p_limit integer DEFAULT 100) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_request jsonb;
    v_request_id bigint;
    v_sent integer := 0;
    v_net name;
BEGIN
    PERFORM private.check_range('dispatch limit', p_limit, 1, 1000,
        'E.g. SELECT dispatch_alerts(100): pg_net sends a few hundred requests per second at most.');
    IF NOT private.pg_net_installed() THEN
        RAISE EXCEPTION 'pg_net is not installed (net.http_post or net._http_response not found)'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION pg_net; or let the runner deliver alerts (moose run).';
    END IF;

    -- The schema name comes from the catalog at run time, so plpgsql_check does not try to
    -- resolve net.http_post on a server without pg_net.
    SELECT n.nspname INTO v_net FROM pg_catalog.pg_namespace AS n WHERE n.nspname = 'net';

    PERFORM public.reconcile_alert_deliveries();

    FOR v_id IN SELECT c.id FROM private.alert_claim('pg_net', p_limit, 'pg_net') AS c(id) LOOP
        v_request := private.alert_request(v_id);
        EXECUTE format('SELECT %I.http_post(url := $1, body := $2, headers := $3, timeout_milliseconds := $4)', v_net)
            INTO v_request_id
            USING v_request ->> 'url', v_request -> 'body', v_request -> 'headers', (v_request ->> 'timeout_ms')::integer;
        UPDATE public.alert_deliveries AS d SET net_request_id = v_request_id WHERE d.id = v_id;
        v_sent := v_sent + 1;
    END LOOP;
    RETURN v_sent;
END
$$;

REVOKE ALL ON FUNCTION public.dispatch_alerts(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dispatch_alerts(integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.dispatch_alerts(integer) IS 'pg_net path: reconcile finished requests, then claim up to p_limit due alert deliveries and POST each through net.http_post (same payloads, throttle and backoff as the runner). Returns the number of requests queued. 55000 when pg_net is not installed.';
