-- The runbook's health dashboard (1.1) in one call, with every figure behind the status:
--   error   : the emergency kill switch is active (every LLM call is refused), stuck work
--             orders, pending (unacknowledged) escalations, an open escalation past its SLA, or
--             a transaction or snapshot holding the xmin horizon back for longer than
--             health_long_transaction_error (10 minutes);
--   warning : budget usage over health_budget_warning_pct (80) of the limit, failed share of
--             outcome vectors in the last 24 h over health_error_rate_warning_pct (5), a
--             running orchestrator that has not polled for 3 intervals (at least 5 minutes), a
--             transaction or snapshot holding the horizon back for longer than
--             health_long_transaction_warning (60 s), or an inactive replication slot holding it;
--   healthy : otherwise.
-- What holds the horizon back is long_transactions()'s answer (the one rule of what counts).
-- Built to stay fast at 1M work orders / 10M outcome vectors: the stuck count is an index-only
-- count on the partial index work_orders_stuck_candidates_idx (the predicate and thresholds of
-- find_stuck_work_orders, which lists them; db/tests/048 checks both agree), escalations come
-- from the open partial index, the 24 h error rate from private.outcome_counts (hourly rollup
-- plus raw edges). See docs/performance/health.md.
CREATE OR REPLACE FUNCTION public.system_health() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_since timestamptz := now() - interval '24 hours';
    v_stuck integer;
    v_stuck_pending integer;
    v_escalations jsonb;
    v_pending integer;
    v_open integer;
    v_breached integer;
    v_budget jsonb := public.budget_status();
    v_total bigint;
    v_failed bigint;
    v_error_rate numeric;
    v_orch public.orchestrator_state%ROWTYPE;
    v_poll_stale boolean := false;
    v_errors text[] := '{}';
    v_warnings text[] := '{}';
    v_budget_warn numeric := private.config_numeric('health_budget_warning_pct');
    v_error_warn numeric := private.config_numeric('health_error_rate_warning_pct');
    v_stuck_in_progress integer;
    v_pending_before timestamptz := now() - private.config_interval('stuck_pending_after');
    v_in_progress_before timestamptz := now() - private.config_interval('stuck_in_progress_after');
    v_kill jsonb := v_budget -> 'kill_switch';
    v_lt_warn interval := private.config_interval('health_long_transaction_warning');
    v_lt_error interval := private.config_interval('health_long_transaction_error');
    v_oldest jsonb;
    v_slots jsonb;
    v_holders integer;
    v_lt_level text := 'ok';
    v_lt_reason text;
BEGIN
    SELECT count(*) INTO v_stuck_pending FROM public.work_orders AS w
    WHERE w.status = 'pending' AND w.updated_at < v_pending_before;
    SELECT count(*) INTO v_stuck_in_progress FROM public.work_orders AS w
    WHERE w.status = 'in_progress' AND w.updated_at < v_in_progress_before;
    v_stuck := v_stuck_pending + v_stuck_in_progress;

    SELECT coalesce(jsonb_object_agg(x.priority, jsonb_build_object('open', x.open, 'pending', x.pending,
                                                                    'sla_breached', x.breached)), '{}'::jsonb),
           coalesce(sum(x.pending), 0), coalesce(sum(x.open), 0), coalesce(sum(x.breached), 0)
    INTO v_escalations, v_pending, v_open, v_breached
    FROM (SELECT e.priority, count(*) AS open, count(*) FILTER (WHERE e.status = 'pending') AS pending,
                 count(*) FILTER (WHERE e.sla_due_at < now()) AS breached
          FROM public.escalations AS e WHERE e.status IN ('pending', 'acknowledged')
          GROUP BY e.priority) AS x;

    SELECT c.attempts, c.failures INTO v_total, v_failed FROM private.outcome_counts(v_since, 'infinity') AS c;
    v_error_rate := CASE WHEN v_total > 0 THEN round(100.0 * v_failed / v_total, 2) ELSE 0 END;

    SELECT * INTO v_orch FROM public.orchestrator_state AS o LIMIT 1;
    v_poll_stale := v_orch.status = 'running' AND v_orch.last_poll_at IS NOT NULL
                    AND v_orch.last_poll_at < now() - greatest(interval '5 minutes', 3 * v_orch.interval_ms * interval '1 millisecond');

    SELECT to_jsonb(l) INTO v_oldest FROM public.long_transactions(interval '0') AS l
    WHERE l.age_seconds IS NOT NULL LIMIT 1;
    SELECT count(*) FILTER (WHERE l.age_seconds > extract(epoch FROM v_lt_warn)),
           coalesce(jsonb_agg(to_jsonb(l)) FILTER (WHERE l.kind = 'replication_slot' AND l.state = 'inactive'), '[]')
    INTO v_holders, v_slots
    FROM public.long_transactions(interval '0') AS l;
    IF (v_oldest ->> 'age_seconds')::numeric > extract(epoch FROM v_lt_error) THEN
        v_lt_level := 'error';
    ELSIF (v_oldest ->> 'age_seconds')::numeric > extract(epoch FROM v_lt_warn) THEN
        v_lt_level := 'warning';
    END IF;
    IF v_lt_level <> 'ok' THEN
        v_lt_reason := CASE v_oldest ->> 'kind'
            WHEN 'prepared' THEN format('long transaction: prepared transaction %L (owner %s) prepared %s ago holds the xmin horizon back',
                                        v_oldest ->> 'name', v_oldest ->> 'usename',
                                        justify_interval(make_interval(secs => round((v_oldest ->> 'age_seconds')::numeric))))
            ELSE format('long transaction: pid %s (user %s, application %s, %s) open for %s holds the xmin horizon back: %s',
                        v_oldest ->> 'pid', coalesce(v_oldest ->> 'usename', '?'),
                        coalesce(nullif(v_oldest ->> 'application_name', ''), '-'), coalesce(v_oldest ->> 'state', '?'),
                        justify_interval(make_interval(secs => round((v_oldest ->> 'age_seconds')::numeric))),
                        coalesce(left(v_oldest ->> 'query_start', 80), '?')) END;
    END IF;

    IF (v_kill ->> 'active')::boolean THEN
        v_errors := v_errors || format('emergency kill switch active since %s (%s, by %s): %s',
            to_char((v_kill ->> 'killed_at')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
            CASE WHEN (v_kill ->> 'automatic')::boolean THEN 'automatic' ELSE 'manual' END,
            coalesce(v_kill ->> 'killed_by', '?'), coalesce(v_kill ->> 'reason', 'no reason given'));
    END IF;
    IF v_lt_level = 'error' THEN v_errors := v_errors || v_lt_reason; END IF;
    IF v_stuck > 0 THEN v_errors := v_errors || format('%s stuck work order(s)', v_stuck); END IF;
    IF v_pending > 0 THEN v_errors := v_errors || format('%s pending escalation(s)', v_pending); END IF;
    IF v_breached > 0 THEN v_errors := v_errors || format('%s escalation(s) past SLA', v_breached); END IF;
    IF (v_budget ->> 'percentage')::numeric > v_budget_warn THEN
        v_warnings := v_warnings || format('budget at %s%% of the daily limit', v_budget ->> 'percentage');
    END IF;
    IF v_error_rate > v_error_warn THEN
        v_warnings := v_warnings || format('error rate %s%% in 24 h', v_error_rate);
    END IF;
    IF v_poll_stale THEN
        v_warnings := v_warnings || format('orchestrator has not polled since %s', v_orch.last_poll_at);
    END IF;

    IF v_lt_level = 'warning' THEN v_warnings := v_warnings || v_lt_reason; END IF;
    IF jsonb_array_length(v_slots) > 0 THEN
        v_warnings := v_warnings || format('inactive replication slot %s holds the xmin horizon back by %s transactions',
                                           v_slots -> 0 ->> 'name', v_slots -> 0 ->> 'xid_age');
    END IF;

    RETURN jsonb_build_object(
        'status', CASE WHEN cardinality(v_errors) > 0 THEN 'error'
                       WHEN cardinality(v_warnings) > 0 THEN 'warning' ELSE 'healthy' END,
        'reasons', to_jsonb(v_errors || v_warnings),
        'stuck_work_orders', jsonb_build_object('total', v_stuck, 'pending', v_stuck_pending,
                                                'in_progress', v_stuck - v_stuck_pending),
        'escalations', jsonb_build_object('open', v_open, 'pending', v_pending, 'sla_breached', v_breached,
                                          'by_priority', v_escalations),
        'budget', v_budget,
        'error_rate', jsonb_build_object('window_hours', 24, 'attempts', v_total, 'failed', v_failed,
                                         'percentage', v_error_rate),
        'orchestrator', jsonb_build_object('status', v_orch.status, 'interval_ms', v_orch.interval_ms,
                                           'last_poll_at', v_orch.last_poll_at, 'polling_stale', v_poll_stale,
                                           'stopped_reason', v_orch.stopped_reason),
        -- The scheduler's figures (jobs failing or overdue, runners, leases) are shown, not judged:
        -- the runbook's status rules above stay as written.
        'long_transactions', jsonb_build_object('level', v_lt_level, 'oldest', v_oldest,
                                                'over_warning', v_holders, 'inactive_slots', v_slots,
                                                'horizon_age_seconds', coalesce((v_oldest ->> 'age_seconds')::numeric, 0)),
        'scheduler', public.scheduler_status(),
        'database', jsonb_build_object('size_bytes', pg_database_size(current_database()),
                                       'size', pg_size_pretty(pg_database_size(current_database()))),
        'thresholds', jsonb_build_object('budget_warning_pct', v_budget_warn, 'error_rate_warning_pct', v_error_warn,
                                         'long_transaction_warning_seconds', extract(epoch FROM v_lt_warn),
                                         'long_transaction_error_seconds', extract(epoch FROM v_lt_error)),
        'checked_at', now(),
        'elapsed_ms', round(extract(epoch FROM clock_timestamp() - v_started) * 1000, 2));
END
$$;

REVOKE ALL ON FUNCTION public.system_health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.system_health() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.system_health() IS 'Health dashboard (runbook 1.1): {status healthy|warning|error, reasons, stuck_work_orders, escalations by priority, budget (with kill_switch), error_rate (24 h), orchestrator, long_transactions (what holds the xmin horizon back), scheduler, database size, thresholds}. Error while the kill switch is active.';
