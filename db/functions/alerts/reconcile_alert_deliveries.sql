-- Reads pg_net's answers (net._http_response, by the request id dispatch_alerts recorded) and
-- settles each delivery with the same rule as the runner: 2xx delivered, else retry with
-- backoff or fail. pg_net keeps its queue and responses in unlogged tables and deletes
-- responses after pg_net.ttl, so a request can vanish; each one ends as a retry, never stuck:
--   * its id is beyond what pg_net's request sequence has issued: the tables were reset (crash
--     recovery, or the extension re-created) and ids start again at 1 -> lost now, retry (and
--     before a new request with the same id can be mistaken for it);
--   * no response by the end of the lease: still queued -> taken out of the queue (so it is
--     never sent after its retry) and retried; being sent right now (the worker holds the row)
--     -> the lease is extended by the timeout and the answer awaited; gone -> lost (response
--     deleted or purged), retry.
-- A response counts only if written after the attempt started. Looked up at run time like
-- dispatch_alerts: 55000 without pg_net.
CREATE OR REPLACE FUNCTION public.reconcile_alert_deliveries() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
    v_sequence text;
    v_issued bigint;
    v_response text;
    v_queued boolean;
BEGIN
    IF NOT private.pg_net_installed() THEN
        RAISE EXCEPTION 'pg_net is not installed (net.http_post or net._http_response not found)'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION pg_net; or let the runner deliver alerts (moose run).';
    END IF;

    -- The schema name comes from the catalog at run time, so plpgsql_check does not try to
    -- resolve net._http_response on a server without pg_net.
    SELECT n.nspname INTO v_net FROM pg_catalog.pg_namespace AS n WHERE n.nspname = 'net';
    -- The highest request id pg_net has issued (its sequence is unlogged too).
    v_sequence := pg_catalog.pg_get_serial_sequence(format('%I.http_request_queue', v_net), 'id');
    IF v_sequence IS NOT NULL THEN
        EXECUTE format('SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END FROM %s AS s', v_sequence)
            INTO v_issued;
    END IF;
    -- Header names are case-insensitive; pg_net keeps them as the server sent them.
    v_response := format('SELECT r.status_code, r.timed_out, r.error_msg, '
                         '(SELECT h.value FROM pg_catalog.jsonb_each_text(CASE WHEN pg_catalog.jsonb_typeof(r.headers) = ''object'' '
                         'THEN r.headers ELSE ''{}''::jsonb END) AS h WHERE pg_catalog.lower(h.key) = ''retry-after'' LIMIT 1) '
                         'FROM %I._http_response AS r '
                         'WHERE r.id = $1 AND r.created >= $2 ORDER BY r.created DESC LIMIT 1', v_net);

    FOR v_row IN
        SELECT d.id, d.net_request_id, d.next_attempt_at, d.last_attempt_at
        FROM public.alert_deliveries AS d
        WHERE d.via = 'pg_net' AND d.status = 'sending' AND d.net_request_id IS NOT NULL
        ORDER BY d.id
        FOR UPDATE SKIP LOCKED
    LOOP
        v_outcome := NULL;
        IF v_row.net_request_id > v_issued THEN
            v_outcome := private.alert_delivery_settle(v_row.id, NULL,
                format('pg_net lost request %s (its unlogged tables were reset: crash recovery or the extension re-created)',
                       v_row.net_request_id));
        ELSE
            EXECUTE v_response INTO v_status_code, v_timed_out, v_error, v_retry_after
                USING v_row.net_request_id, v_row.last_attempt_at;
            GET DIAGNOSTICS v_found = ROW_COUNT;
            IF v_found = 0 AND v_row.next_attempt_at > now() THEN
                v_outcome := 'waiting';
            ELSIF v_found = 0 THEN
                -- The lease is over. Still queued and not taken by the worker: take it out, so it
                -- cannot be sent after its retry.
                EXECUTE format('DELETE FROM %1$I.http_request_queue AS q WHERE q.id = '
                               '(SELECT q2.id FROM %1$I.http_request_queue AS q2 WHERE q2.id = $1 FOR UPDATE SKIP LOCKED)', v_net)
                    USING v_row.net_request_id;
                GET DIAGNOSTICS v_found = ROW_COUNT;
                IF v_found = 1 THEN
                    v_outcome := private.alert_delivery_settle(v_row.id, NULL,
                        format('pg_net had not sent request %s when the lease expired (taken out of its queue)', v_row.net_request_id));
                ELSE
                    -- The worker may have finished it meanwhile (queue row and response commit together).
                    EXECUTE v_response INTO v_status_code, v_timed_out, v_error, v_retry_after
                        USING v_row.net_request_id, v_row.last_attempt_at;
                    GET DIAGNOSTICS v_found = ROW_COUNT;
                    IF v_found = 0 THEN
                        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.http_request_queue AS q WHERE q.id = $1)', v_net)
                            INTO v_queued USING v_row.net_request_id;
                        IF v_queued THEN
                            -- In the worker's hands: its answer comes within the timeout. Extend the
                            -- lease so no sender claims the row again meanwhile.
                            UPDATE public.alert_deliveries AS d
                            SET next_attempt_at = now() + private.config_interval('alert_delivery_timeout') + interval '1 second'
                            WHERE d.id = v_row.id;
                            v_outcome := 'waiting';
                        ELSE
                            v_outcome := private.alert_delivery_settle(v_row.id, NULL,
                                format('no pg_net response for request %s before the lease expired', v_row.net_request_id));
                        END IF;
                    END IF;
                END IF;
            END IF;
            IF v_outcome IS NULL THEN
                IF v_timed_out THEN
                    v_error := coalesce(v_error, 'timed out') || ' (pg_net timeout)';
                END IF;
                IF v_error IS NULL AND v_status_code IS NULL THEN
                    v_error := 'pg_net response without a status code';
                END IF;
                v_outcome := private.alert_delivery_settle(v_row.id, v_status_code, v_error,
                                                           private.retry_after_interval(v_retry_after));
            END IF;
        END IF;
        v_counts := jsonb_set(v_counts, ARRAY[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
    END LOOP;
    RETURN v_counts;
END
$$;

REVOKE ALL ON FUNCTION public.reconcile_alert_deliveries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.reconcile_alert_deliveries() TO service_role, moose_runner;

COMMENT ON FUNCTION public.reconcile_alert_deliveries() IS 'pg_net path: settle deliveries sent through net.http_post from net._http_response (2xx delivered, else retry/failed, honouring a Retry-After response header). A request pg_net lost (tables reset, response deleted) or had not sent by the end of the lease (then taken out of its queue) is a failed attempt, never left sending. Returns {delivered, retry, failed, waiting}. 55000 when pg_net is not installed.';
