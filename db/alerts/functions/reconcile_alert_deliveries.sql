-- Reads pg_net's answers (net._http_response, by the request id dispatch_alerts recorded) and
-- settles each delivery with the same rule as the runner: 2xx delivered, else retry with
-- backoff or fail. A request with no response by the time its lease expires (pg_net restarted
-- and lost its unlogged queue, or purged the response) counts as a failed attempt.
-- Looked up at run time like dispatch_alerts: 55000 without pg_net.
CREATE OR REPLACE FUNCTION public.reconcile_alert_deliveries()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row record;
    v_status_code integer;
    v_timed_out boolean;
    v_error text;
    v_retry_after text;
    v_found integer;
    v_outcome text;
    v_counts jsonb := '{"delivered": 0, "retry": 0, "failed": 0, "waiting": 0}'::jsonb;
    v_net name;
BEGIN
    IF NOT private.pg_net_installed() THEN
        RAISE EXCEPTION 'pg_net is not installed (net.http_post or net._http_response not found)'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION pg_net; or let the runner deliver alerts (moose run).';
    END IF;

    -- The schema name comes from the catalog at run time, so plpgsql_check does not try to
    -- resolve net._http_response on a server without pg_net.
    SELECT n.nspname INTO v_net FROM pg_catalog.pg_namespace AS n WHERE n.nspname = 'net';

    FOR v_row IN
        SELECT d.id, d.net_request_id, d.next_attempt_at
        FROM public.alert_deliveries AS d
        WHERE d.via = 'pg_net' AND d.status = 'sending' AND d.net_request_id IS NOT NULL
        ORDER BY d.id
        FOR UPDATE SKIP LOCKED
    LOOP
        -- Header names are case-insensitive; pg_net keeps them as the server sent them.
        EXECUTE format('SELECT r.status_code, r.timed_out, r.error_msg, '
                       '(SELECT h.value FROM pg_catalog.jsonb_each_text(CASE WHEN pg_catalog.jsonb_typeof(r.headers) = ''object'' '
                       'THEN r.headers ELSE ''{}''::jsonb END) AS h WHERE pg_catalog.lower(h.key) = ''retry-after'' LIMIT 1) '
                       'FROM %I._http_response AS r '
                       'WHERE r.id = $1 ORDER BY r.created DESC LIMIT 1', v_net)
            INTO v_status_code, v_timed_out, v_error, v_retry_after
            USING v_row.net_request_id;
        GET DIAGNOSTICS v_found = ROW_COUNT;
        IF v_found = 0 THEN
            IF v_row.next_attempt_at > now() THEN
                v_outcome := 'waiting';
            ELSE
                v_outcome := private.alert_delivery_settle(v_row.id, NULL,
                    format('no pg_net response for request %s before the lease expired', v_row.net_request_id));
            END IF;
        ELSE
            IF v_timed_out THEN
                v_error := coalesce(v_error, 'timed out') || ' (pg_net timeout)';
            END IF;
            IF v_error IS NULL AND v_status_code IS NULL THEN
                v_error := 'pg_net response without a status code';
            END IF;
            v_outcome := private.alert_delivery_settle(v_row.id, v_status_code, v_error,
                                                       private.retry_after_interval(v_retry_after));
        END IF;
        v_counts := jsonb_set(v_counts, ARRAY[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
    END LOOP;
    RETURN v_counts;
END
$$;

REVOKE ALL ON FUNCTION public.reconcile_alert_deliveries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.reconcile_alert_deliveries() TO service_role, moose_runner;

COMMENT ON FUNCTION public.reconcile_alert_deliveries() IS
    'pg_net path: settle deliveries sent through net.http_post from net._http_response (2xx delivered, else retry/failed, honouring a Retry-After response header; no response after the lease = failed attempt). Returns {delivered, retry, failed, waiting}. 55000 when pg_net is not installed.';
