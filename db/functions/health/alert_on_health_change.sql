-- The health-check job (runbook 2.1's five-minute cron that alerts when /api/admin/health is not
-- healthy), in the database: reads system_health() and raises an alert when the status turns
-- warning or error, again at most every health_alert_repeat while it stays so, and an info
-- alert when it is healthy again. Its memory (public.health_checks) keeps it from alerting every
-- five minutes about the same trouble. It also raises one database.long_transaction alert per
-- long-transaction episode: when it first sees a transaction or snapshot holding the xmin
-- horizon back past health_long_transaction_warning, not again while one stays, and again for
-- the next episode once a check has seen none (health_checks.long_transaction_since).
-- p_now is the scheduler's clock (simulated in tests).
CREATE OR REPLACE FUNCTION public.alert_on_health_change(p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_now timestamptz := private.scheduler_now(p_now);
    v_report jsonb := public.system_health();
    v_status text := v_report ->> 'status';
    v_state public.health_checks%ROWTYPE;
    v_changed boolean;
    v_alert bigint;
    v_reasons text;
    v_lt jsonb := v_report -> 'long_transactions';
    v_lt_alert bigint;
    v_lt_open boolean;
BEGIN
    SELECT * INTO v_state FROM public.health_checks AS h WHERE h.id FOR UPDATE;
    v_changed := v_state.last_status IS DISTINCT FROM v_status;
    v_reasons := coalesce((SELECT string_agg(r, '; ') FROM jsonb_array_elements_text(v_report -> 'reasons') AS r), '');

    IF v_status = 'healthy' THEN
        IF v_changed AND v_state.last_status IN ('warning', 'error') THEN
            v_alert := public.raise_alert(
                'info', 'health.recovered', 'System healthy again',
                format('system_health() is healthy again after %s since %s.', upper(v_state.last_status),
                       to_char(v_state.status_since, 'YYYY-MM-DD HH24:MI TZ')),
                format('health_recovered:%s', extract(epoch FROM v_state.status_since)),
                jsonb_build_object('previous_status', v_state.last_status, 'since', v_state.status_since));
        END IF;
    ELSIF v_changed OR v_state.last_alert_at IS NULL
          OR v_state.last_alert_at <= v_now - private.config_interval('health_alert_repeat') THEN
        v_alert := public.raise_alert(
            CASE v_status WHEN 'error' THEN 'error' ELSE 'warning' END,
            'health.unhealthy', format('System %s: %s', upper(v_status), left(coalesce(nullif(v_reasons, ''), v_status), 250)),
            format('system_health() reports %s: %s. Run `moose status` or SELECT system_health(); for the figures.',
                   upper(v_status), coalesce(nullif(v_reasons, ''), 'no reason given')),
            format('system_health:%s:%s', v_status, extract(epoch FROM v_now)),
            jsonb_build_object('health', v_report));
    END IF;

    v_lt_open := coalesce(v_lt ->> 'level', 'ok') <> 'ok';
    IF v_lt_open AND v_state.long_transaction_since IS NULL THEN
        v_lt_alert := public.raise_alert(
            v_lt ->> 'level', 'database.long_transaction',
            left(format('Long transaction: %s %s (%s) open %s s', v_lt -> 'oldest' ->> 'kind',
                        coalesce(v_lt -> 'oldest' ->> 'pid', v_lt -> 'oldest' ->> 'name'),
                        coalesce(v_lt -> 'oldest' ->> 'usename', '?'), round((v_lt -> 'oldest' ->> 'age_seconds')::numeric)), 250),
            format('%s. While it is open VACUUM cannot clean up behind the budget gate and every call slows down. '
                   || 'List them with `moose db long-transactions`; end one with `moose db long-transactions --terminate PID`.',
                   (SELECT r FROM jsonb_array_elements_text(v_report -> 'reasons') AS r WHERE r LIKE 'long transaction:%' LIMIT 1)),
            format('database.long_transaction:%s', extract(epoch FROM v_now)),
            jsonb_build_object('long_transactions', v_lt));
    END IF;

    UPDATE public.health_checks AS h
    SET last_status = v_status,
        status_since = CASE WHEN v_changed THEN v_now ELSE h.status_since END,
        last_alert_at = CASE WHEN v_alert IS NOT NULL AND v_status <> 'healthy' THEN v_now
                             WHEN v_status = 'healthy' THEN NULL ELSE h.last_alert_at END,
        checked_at = v_now,
        last_report = v_report,
        long_transaction_since = CASE WHEN NOT v_lt_open THEN NULL ELSE coalesce(h.long_transaction_since, v_now) END,
        long_transaction_alert_id = coalesce(v_lt_alert, h.long_transaction_alert_id)
    WHERE h.id;
    RETURN jsonb_build_object('status', v_status, 'alert_id', v_alert, 'long_transaction_alert_id', v_lt_alert,
                              'rows_affected', (v_alert IS NOT NULL)::integer + (v_lt_alert IS NOT NULL)::integer,
                              'reasons', v_report -> 'reasons');
END
$$;

REVOKE ALL ON FUNCTION public.alert_on_health_change(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.alert_on_health_change(timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.alert_on_health_change(timestamptz) IS 'The health-check job (runbook 2.1): alerts when system_health() turns warning or error, again at most every health_alert_repeat while it stays so, and once (info) when it recovers; one database.long_transaction alert per long-transaction episode. Returns {status, alert_id, long_transaction_alert_id, rows_affected, reasons}.';
