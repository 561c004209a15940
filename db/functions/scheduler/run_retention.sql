-- Runbook 6.2's monthly clean-up as a daily job, driven by public.retention_policies (one row
-- per purge: table, age, the config key of its period, conditions, batch), in bounded batches:
-- at most the policy's batch (default retention_batch_size) rows per policy per call, each batch
-- picked with FOR UPDATE SKIP LOCKED so a row a writer holds is left for next time and nobody
-- waits on the purge. Each batch deletes by `id = ANY (ARRAY(...))`, so it costs index lookups
-- for its own rows only (a join would merge-scan the whole primary key on every batch). Cost
-- rows are a special case: summed into cost_daily_totals in the statement that deletes
-- them, each under the budget day the ledger booked it on (private.budget_cost_day: a settle
-- after midnight counts on its reservation's day), and with moose.budget_keep_ledger on, so the
-- budget stripes keep each period's spend (moved to archived by trigger cost_tracking_archive).
-- Budget stripes are the other: whole closed periods with nothing left booked or reserved
-- (private.budget_purge_periods), after the cost rows of the same call. The
-- result says which tables shrank (the runner VACUUM (ANALYZE)s them) and whether more is left
-- ({"more": true} makes the scheduler call again at once, each batch its own transaction).
-- Cut-offs are measured from p_now (the scheduler's clock), minus the period as a fixed length
-- (private.config_interval: "90 days" is 2160 hours), so the same call purges the same rows
-- whatever the session's TimeZone. Deleted outcome vectors leave their
-- work orders' running figures as deltas (trigger outcome_vectors_totals_deleted); each call
-- folds a batch of pending deltas into the totals, skipping any a writer holds (never waits).
CREATE OR REPLACE FUNCTION public.run_retention(p_now timestamptz DEFAULT NULL, p_batch_size integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_now timestamptz := private.scheduler_now(p_now);
    v_default_batch integer := coalesce(p_batch_size, private.config_numeric('retention_batch_size')::integer);
    v_policy public.retention_policies;
    v_batch integer;
    v_cutoff timestamptz;
    v_count bigint;
    v_keep_ledger text;
    v_deleted jsonb := '{}'::jsonb;
    v_vacuum text[] := '{}';
    v_more boolean := false;
BEGIN
    IF v_default_batch IS NULL OR v_default_batch NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'batch size must be between 1 and 1000000, got %', v_default_batch
            USING ERRCODE = '22023', HINT = 'Omit it to use system_config.retention_batch_size.';
    END IF;

    FOR v_policy IN SELECT * FROM public.retention_policies ORDER BY position LOOP
        v_batch := CASE WHEN p_batch_size IS NULL THEN coalesce(v_policy.batch_size, v_default_batch) ELSE p_batch_size END;
        v_cutoff := v_now - private.config_interval(v_policy.retention_key);
        IF v_policy.table_name = 'cost_tracking' THEN
            v_keep_ledger := current_setting('moose.budget_keep_ledger', true);
            PERFORM set_config('moose.budget_keep_ledger', 'on', true);
            WITH gone AS (
                DELETE FROM public.cost_tracking AS c
                WHERE c.id = ANY (ARRAY(
                    SELECT r.id FROM public.cost_tracking AS r
                    WHERE r.created_at < v_cutoff
                    ORDER BY r.created_at LIMIT v_batch FOR UPDATE SKIP LOCKED))
                RETURNING c.created_at, c.service_name, c.cost, c.budget_debits
            ), daily AS (
                INSERT INTO public.cost_daily_totals AS t (day, service_name, total_cost, request_count, rolled_up_at)
                SELECT private.budget_cost_day(g.budget_debits, g.created_at), g.service_name, sum(g.cost), count(*), v_now
                FROM gone AS g
                GROUP BY 1, 2
                ON CONFLICT (day, service_name) DO UPDATE
                SET total_cost = t.total_cost + EXCLUDED.total_cost,
                    request_count = t.request_count + EXCLUDED.request_count,
                    rolled_up_at = EXCLUDED.rolled_up_at
                RETURNING 1
            )
            SELECT count(*) FROM gone INTO v_count;
            PERFORM set_config('moose.budget_keep_ledger', coalesce(v_keep_ledger, ''), true);
        ELSIF v_policy.table_name = 'budget_stripes' THEN
            v_count := private.budget_purge_periods(v_cutoff, v_batch);
        ELSE
            EXECUTE format(
                'DELETE FROM public.%1$I AS x WHERE x.id = ANY (ARRAY('
                '  SELECT r.id FROM public.%1$I AS r WHERE %2$s < $1 AND (%3$s)'
                '  ORDER BY %2$s LIMIT $2 FOR UPDATE SKIP LOCKED))',
                v_policy.table_name, v_policy.age_expr, v_policy.condition)
            USING v_cutoff, v_batch;
            GET DIAGNOSTICS v_count = ROW_COUNT;
        END IF;
        v_deleted := v_deleted || jsonb_build_object(v_policy.name, v_count);
        v_more := v_more OR v_count >= v_batch;
        IF v_count > 0 THEN
            v_vacuum := v_vacuum || v_policy.table_name || v_policy.cascades_to;
        END IF;
    END LOOP;
    PERFORM private.fold_outcome_deltas(v_default_batch);

    RETURN jsonb_build_object(
        'rows_affected', (SELECT coalesce(sum(d.value::bigint), 0) FROM jsonb_each_text(v_deleted) AS d),
        'deleted', v_deleted,
        'more', v_more,
        'vacuum', (SELECT coalesce(jsonb_agg(DISTINCT v.t ORDER BY v.t), '[]'::jsonb) FROM unnest(v_vacuum) AS v(t)));
END
$$;

REVOKE ALL ON FUNCTION public.run_retention(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.run_retention(timestamptz, integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.run_retention(timestamptz, integer) IS 'One bounded retention pass (runbook 6.2) over public.retention_policies: for each policy up to p_batch_size (default: the policy''s batch_size, else retention_batch_size) of the oldest rows past their configured retention, measured from p_now (outcome_vectors, cost_tracking rolled up into cost_daily_totals first, alerts no longer being delivered with their deliveries, finished throttle summaries, finished job_runs, decided escalations, closed budget reservations no cost row points at, work_order_history, whole closed budget periods'' stripes with nothing booked or reserved left). Returns {rows_affected, deleted: {policy: n}, more, vacuum: [tables]}.';
