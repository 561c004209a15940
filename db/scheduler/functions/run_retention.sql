-- Runbook 6.2's monthly clean-up as a daily job (plus the tables that would otherwise only
-- grow: closed budget reservations, work-order history), in bounded batches: at most
-- retention_batch_size rows per table per call, each batch picked with FOR UPDATE SKIP LOCKED
-- so a row a writer holds is left for next time and nobody waits on the purge. Cost rows are
-- summed into cost_daily_totals in the same statement that deletes them, so spend history
-- survives. The result says which tables shrank (the runner VACUUM (ANALYZE)s them) and whether
-- more is left ({"more": true} makes the scheduler call again at once, each batch its own
-- transaction). Cut-offs come from config and are measured from p_now (the scheduler's clock).
-- Deleted outcome vectors leave their work orders' running figures as deltas (trigger
-- outcome_vectors_totals_deleted), folded here a batch at a time.
-- Raw cost rows leave the budget ledger untouched (moose.budget_keep_ledger: the ledger keeps
-- each day's spend). Each batch deletes by `id = ANY (ARRAY(...))`, so it costs index lookups for its own rows only
-- (a join would merge-scan the whole primary key on every batch).
CREATE OR REPLACE FUNCTION public.run_retention(p_now timestamptz DEFAULT NULL, p_batch_size integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := private.scheduler_now(p_now);
    v_batch integer := coalesce(p_batch_size, private.config_numeric('retention_batch_size')::integer);
    v_tz text := private.config_text('budget_timezone');
    v_outcomes bigint;
    v_costs bigint;
    v_alerts bigint;
    v_summaries bigint;
    v_keep_ledger text;
    v_runs bigint;
    v_escalations bigint;
    v_reservations bigint;
    v_history bigint;
    v_deleted jsonb;
BEGIN
    IF v_batch IS NULL OR v_batch NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'batch size must be between 1 and 1000000, got %', v_batch
            USING ERRCODE = '22023', HINT = 'Omit it to use system_config.retention_batch_size.';
    END IF;

    DELETE FROM public.outcome_vectors AS o
    WHERE o.id = ANY (ARRAY(
            SELECT o2.id FROM public.outcome_vectors AS o2
            WHERE o2.created_at < v_now - private.config_interval('outcome_vectors_retention')
            ORDER BY o2.created_at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_outcomes = ROW_COUNT;
    -- The purge left one delta per work order in the running figures; fold a batch of pending
    -- deltas into the totals rows, skipping any a writer holds (never waits).
    PERFORM private.fold_outcome_deltas(v_batch);

    -- The budget ledger keeps each day's spend as history: this purge must not take it off.
    v_keep_ledger := current_setting('moose.budget_keep_ledger', true);
    PERFORM set_config('moose.budget_keep_ledger', 'on', true);
    WITH gone AS (
        DELETE FROM public.cost_tracking AS c
        WHERE c.id = ANY (ARRAY(
            SELECT c2.id FROM public.cost_tracking AS c2
            WHERE c2.created_at < v_now - private.config_interval('cost_tracking_retention')
            ORDER BY c2.created_at LIMIT v_batch FOR UPDATE SKIP LOCKED))
        RETURNING c.created_at, c.service_name, c.cost
    ), daily AS (
        INSERT INTO public.cost_daily_totals AS t (day, service_name, total_cost, request_count, rolled_up_at)
        SELECT (g.created_at AT TIME ZONE v_tz)::date, g.service_name, sum(g.cost), count(*), v_now
        FROM gone AS g
        GROUP BY 1, 2
        ON CONFLICT (day, service_name) DO UPDATE
        SET total_cost = t.total_cost + EXCLUDED.total_cost,
            request_count = t.request_count + EXCLUDED.request_count,
            rolled_up_at = EXCLUDED.rolled_up_at
        RETURNING 1
    )
    SELECT coalesce((SELECT count(*) FROM gone), 0) INTO v_costs;
    PERFORM set_config('moose.budget_keep_ledger', coalesce(v_keep_ledger, ''), true);

    -- An alert goes once no delivery of it is still pending or sending (its delivery rows go
    -- with it, ON DELETE CASCADE); finished throttle summaries go after the same period.
    DELETE FROM public.alerts AS a
    WHERE a.id = ANY (ARRAY(
            SELECT a2.id FROM public.alerts AS a2
            WHERE a2.last_raised_at < v_now - private.config_interval('alerts_retention')
              AND NOT EXISTS (SELECT 1 FROM public.alert_deliveries AS d
                              WHERE d.alert_id = a2.id AND d.status IN ('pending', 'sending'))
            ORDER BY a2.last_raised_at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_alerts = ROW_COUNT;
    DELETE FROM public.alert_deliveries AS x
    WHERE x.id = ANY (ARRAY(
            SELECT d.id FROM public.alert_deliveries AS d
            WHERE d.is_summary AND d.status IN ('delivered', 'failed')
              AND d.updated_at < v_now - private.config_interval('alerts_retention')
            ORDER BY d.updated_at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_summaries = ROW_COUNT;

    DELETE FROM public.job_runs AS r
    WHERE r.id = ANY (ARRAY(
            SELECT r.id FROM public.job_runs AS r
            WHERE r.started_at < v_now - private.config_interval('job_runs_retention') AND r.outcome <> 'running'
            ORDER BY r.started_at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_runs = ROW_COUNT;

    DELETE FROM public.escalations AS e
    WHERE e.id = ANY (ARRAY(
            SELECT e.id FROM public.escalations AS e
            WHERE e.status IN ('resolved', 'dismissed')
              AND coalesce(e.resolved_at, e.updated_at) < v_now - private.config_interval('escalations_retention')
            ORDER BY coalesce(e.resolved_at, e.updated_at) LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_escalations = ROW_COUNT;

    -- A closed reservation goes once its cost row (if it settled) has gone: the cost row's
    -- link to it is kept as long as the row itself. (Cost rows purged above in this same call
    -- already count as gone.) The day's ledger row keeps the totals.
    DELETE FROM public.budget_reservations AS r
    WHERE r.id = ANY (ARRAY(
            SELECT r2.id FROM public.budget_reservations AS r2
            WHERE r2.closed_at IS NOT NULL
              AND r2.closed_at < v_now - private.config_interval('budget_reservations_retention')
              AND NOT EXISTS (SELECT 1 FROM public.cost_tracking AS c WHERE c.reservation_id = r2.id)
            ORDER BY r2.closed_at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_reservations = ROW_COUNT;

    DELETE FROM public.work_order_history AS h
    WHERE h.id = ANY (ARRAY(
            SELECT h2.id FROM public.work_order_history AS h2
            WHERE h2.at < v_now - private.config_interval('work_order_history_retention')
            ORDER BY h2.at LIMIT v_batch FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS v_history = ROW_COUNT;

    v_deleted := jsonb_build_object('outcome_vectors', v_outcomes, 'cost_tracking', v_costs, 'alerts', v_alerts,
                                    'alert_summaries', v_summaries, 'job_runs', v_runs, 'escalations', v_escalations,
                                    'budget_reservations', v_reservations, 'work_order_history', v_history);
    RETURN jsonb_build_object(
        'rows_affected', v_outcomes + v_costs + v_alerts + v_summaries + v_runs + v_escalations + v_reservations + v_history,
        'deleted', v_deleted,
        'more', greatest(v_outcomes, v_costs, v_alerts, v_summaries, v_runs, v_escalations, v_reservations, v_history) >= v_batch,
        'vacuum', (SELECT coalesce(jsonb_agg(k.key ORDER BY k.key), '[]'::jsonb)
                   FROM jsonb_each(v_deleted || jsonb_build_object('alert_deliveries', v_alerts + v_summaries)) AS k
                   WHERE k.key <> 'alert_summaries' AND (k.value)::bigint > 0));
END
$$;

REVOKE ALL ON FUNCTION public.run_retention(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.run_retention(timestamptz, integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.run_retention(timestamptz, integer) IS
    'One bounded retention pass (runbook 6.2): up to p_batch_size (default retention_batch_size) rows per table of outcome_vectors, cost_tracking (rolled up into cost_daily_totals first), alerts no longer being delivered (with their deliveries) and finished throttle summaries, finished job_runs, decided escalations, closed budget reservations no cost row points at, and work_order_history past their configured retention, measured from p_now. Returns {rows_affected, deleted: {table: n}, more, vacuum: [tables]}.';
