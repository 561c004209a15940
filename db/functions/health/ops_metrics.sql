-- Every figure Prometheus scrapes from the runner's GET /metrics, as rows (name, type, help,
-- labels, value), so a DBA sees in psql exactly what is exported; the runner only renders them
-- (runner/metrics.py, which adds moose_scrape_duration_seconds, the time the scrape took).
-- Names follow Prometheus conventions (prefix moose_, base units, _total for counters); label
-- values are bounded: statuses, tiers, types, priorities, and the names of services, projects,
-- models, channels and jobs, never ids (work-order budgets are counted per tier). A labelled
-- family emits every label set it knows at 0 (each status of each channel, each tier, each job,
-- each escalation policy) so a rule over its change sees the first event.
-- Cheap at any size: nothing here counts a table that grows with history. Work orders per
-- status and alert deliveries per channel and status are running counts (private.ops_counts,
-- kept by the triggers in db/triggers/health/), job failures and last successes are kept per job
-- (private.job_run_totals); the health figures come from system_health() (index-only counts,
-- the hourly roll-up); open escalations, open reservations and pending deliveries are read
-- through their partial indexes, so they cost what is open now, not what is past.
CREATE OR REPLACE FUNCTION public.ops_metrics()
RETURNS TABLE (name text, type text, help text, labels jsonb, value numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_health jsonb := public.system_health();
    v_budget jsonb := v_health -> 'budget';
BEGIN
    RETURN QUERY
    SELECT 'moose_budget_limit_usd', 'gauge', 'Limit of a budget in its current period (global, service and project budgets).',
           jsonb_build_object('scope', u.scope, 'key', u.key, 'period', u.period), u.budget_limit
    FROM unnest(ARRAY['global', 'service', 'project']) AS s(scope), LATERAL public.budget_usage(s.scope) AS u
    UNION ALL
    SELECT 'moose_budget_spent_usd', 'gauge', 'Spent (settled) in a budget''s current period.',
           jsonb_build_object('scope', u.scope, 'key', u.key, 'period', u.period), u.spent
    FROM unnest(ARRAY['global', 'service', 'project']) AS s(scope), LATERAL public.budget_usage(s.scope) AS u
    UNION ALL
    SELECT 'moose_budget_reserved_usd', 'gauge', 'Reserved and not yet settled in a budget''s current period.',
           jsonb_build_object('scope', u.scope, 'key', u.key, 'period', u.period), u.reserved
    FROM unnest(ARRAY['global', 'service', 'project']) AS s(scope), LATERAL public.budget_usage(s.scope) AS u
    UNION ALL
    SELECT 'moose_work_order_budgets', 'gauge',
           'Work orders with a budget of their own, by how much of it is used (under_50, over_50, over_80, exhausted).',
           jsonb_build_object('tier', t.tier), count(u.scope)::numeric
    FROM unnest(ARRAY['under_50', 'over_50', 'over_80', 'exhausted']) AS t(tier)
    LEFT JOIN public.budget_usage('work_order') AS u
      ON t.tier = CASE WHEN u.percentage >= 100 THEN 'exhausted' WHEN u.percentage >= 80 THEN 'over_80'
                       WHEN u.percentage >= 50 THEN 'over_50' ELSE 'under_50' END
    GROUP BY t.tier
    UNION ALL
    SELECT 'moose_rate_limit_available', 'gauge',
           'What a rate limit''s token bucket holds now (requests or tokens; it refills to its per-minute figure).',
           jsonb_build_object('scope', l.scope, 'key', l.key, 'kind', l.kind), l.available
    FROM public.rate_limit_usage() AS l
    UNION ALL
    SELECT 'moose_rate_limit_per_minute', 'gauge', 'A rate limit''s per-minute figure (its bucket''s capacity).',
           jsonb_build_object('scope', l.scope, 'key', l.key, 'kind', l.kind), l.per_minute::numeric
    FROM public.rate_limit_usage() AS l
    UNION ALL
    SELECT 'moose_budget_tier', 'gauge', 'Today''s spend tier of the global budget: 1 for the current tier, 0 for the others.',
           jsonb_build_object('tier', t.tier), (t.tier = v_budget ->> 'tier')::integer::numeric
    FROM unnest(ARRAY['normal', 'warning', 'hard_cap', 'critical', 'emergency_kill']) AS t(tier)
    UNION ALL
    SELECT 'moose_kill_switch_active', 'gauge', '1 while the emergency kill switch is active.',
           '{}'::jsonb, ((v_budget -> 'kill_switch' ->> 'active')::boolean)::integer::numeric
    UNION ALL
    SELECT 'moose_reservations_open', 'gauge', 'Budget reservations open (neither settled, released nor expired).',
           '{}'::jsonb, (SELECT count(*) FROM public.budget_reservations AS r WHERE r.status = 'open')::numeric
    UNION ALL
    SELECT 'moose_work_orders', 'gauge', 'Work orders by status.', jsonb_build_object('status', st.status),
           coalesce((SELECT sum(c.value) FROM private.ops_counts AS c
                     WHERE c.metric = 'work_orders' AND c.label_1 = st.status), 0)
    FROM unnest(ARRAY['pending', 'approved', 'in_progress', 'paused', 'blocked', 'needs_review', 'completed',
                      'failed', 'cancelled']) AS st(status)
    UNION ALL
    SELECT 'moose_stuck_work_orders', 'gauge', 'Work orders stuck (pending or in progress untouched past the thresholds).',
           '{}'::jsonb, (v_health -> 'stuck_work_orders' ->> 'total')::numeric
    UNION ALL
    SELECT 'moose_escalations_open', 'gauge', 'Escalations waiting for a decision (pending or acknowledged).',
           jsonb_build_object('type', k.trigger_type, 'priority', k.priority), count(e.id)::numeric
    FROM (SELECT p.trigger_type, p.priority FROM public.escalation_policies AS p
          UNION
          SELECT o.trigger_type, o.priority FROM public.escalations AS o WHERE o.status IN ('pending', 'acknowledged')) AS k
    LEFT JOIN public.escalations AS e
      ON e.trigger_type = k.trigger_type AND e.priority = k.priority AND e.status IN ('pending', 'acknowledged')
    GROUP BY k.trigger_type, k.priority
    UNION ALL
    SELECT 'moose_escalations_past_sla', 'gauge', 'Open escalations past their SLA.',
           '{}'::jsonb, (v_health -> 'escalations' ->> 'sla_breached')::numeric
    UNION ALL
    SELECT 'moose_alert_deliveries', 'gauge', 'Alert deliveries by channel and status (until retention deletes them).',
           jsonb_build_object('channel', ch.name, 'status', st.status),
           coalesce((SELECT sum(c.value) FROM private.ops_counts AS c
                     WHERE c.metric = 'alert_deliveries' AND c.label_1 = ch.id::text AND c.label_2 = st.status), 0)
    FROM public.alert_channels AS ch
    CROSS JOIN unnest(ARRAY['pending', 'sending', 'delivered', 'failed', 'throttled']) AS st(status)
    UNION ALL
    SELECT 'moose_alert_oldest_pending_seconds', 'gauge',
           'Age of the oldest alert delivery still pending or sending (0 when none).', '{}'::jsonb,
           coalesce(round(extract(epoch FROM now() - least(
               (SELECT min(d.created_at) FROM public.alert_deliveries AS d WHERE d.status = 'pending'),
               (SELECT min(d.created_at) FROM public.alert_deliveries AS d WHERE d.status = 'sending'))), 3), 0)
    UNION ALL
    SELECT 'moose_job_last_success_timestamp_seconds', 'gauge',
           'When the job''s last successful run finished, Unix time (0: never).', jsonb_build_object('job', j.name),
           coalesce(round(extract(epoch FROM t.last_success_at), 3), 0)
    FROM public.jobs AS j LEFT JOIN private.job_run_totals AS t ON t.job_name = j.name
    UNION ALL
    SELECT 'moose_job_failures_total', 'counter', 'Runs of the job that failed, timed out or were abandoned.',
           jsonb_build_object('job', j.name), coalesce(t.failures, 0)::numeric
    FROM public.jobs AS j LEFT JOIN private.job_run_totals AS t ON t.job_name = j.name
    UNION ALL
    SELECT 'moose_runners_alive', 'gauge', 'Runners (moose run) seen in the last 2 minutes and not stopped.', '{}'::jsonb,
           (SELECT count(*) FROM public.runners AS r
            WHERE r.last_seen_at > now() - interval '2 minutes' AND r.stopped_at IS NULL)::numeric
    UNION ALL
    SELECT 'moose_xmin_horizon_age_seconds', 'gauge',
           'Age of the oldest transaction or snapshot holding this database''s xmin horizon back (0 when none; long_transactions()).',
           '{}'::jsonb, (v_health -> 'long_transactions' ->> 'horizon_age_seconds')::numeric
    UNION ALL
    SELECT 'moose_health_status', 'gauge', 'system_health() status: 1 for the current one (healthy, warning, error).',
           jsonb_build_object('status', h.status), (h.status = v_health ->> 'status')::integer::numeric
    FROM unnest(ARRAY['healthy', 'warning', 'error']) AS h(status);
END
$$;

REVOKE ALL ON FUNCTION public.ops_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.ops_metrics() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.ops_metrics() IS 'Every figure of the runner''s GET /metrics as rows (name, type gauge|counter, help, labels jsonb, value): budgets, spend tier, kill switch, reservations, work orders, stuck, escalations, alert deliveries, jobs, runners, xmin horizon age, health status. Reads running counts and partial indexes only: its cost does not grow with history.';
