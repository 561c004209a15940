-- ops_metrics(): the rows GET /metrics renders. Every series named in docs/OPERATIONS.md is
-- there with sane types and bounded labels (no ids); the running counts behind it
-- (private.ops_counts, private.job_run_totals) equal what counting the tables gives after
-- inserts, status moves, deletes, more writes than a fold waits for, TRUNCATE and retention;
-- budget, kill switch, reservations, escalations and health figures follow the state; roles.
BEGIN;
SELECT plan(39);

CREATE TEMP VIEW m AS SELECT o.name, o.type, o.labels, o.value FROM public.ops_metrics() AS o;
CREATE FUNCTION pg_temp.v(p_name text, p_labels jsonb DEFAULT '{}') RETURNS numeric LANGUAGE sql AS
    $$ SELECT sum(m.value) FROM m WHERE m.name = p_name AND m.labels @> p_labels $$;
-- The running counts against counting the tables.
CREATE FUNCTION pg_temp.work_order_drift() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (SELECT x.labels ->> 'status' AS status, x.value FROM m AS x WHERE x.name = 'moose_work_orders'
                          EXCEPT
                          SELECT s.status, count(w.id) FROM unnest(ARRAY['pending', 'approved', 'in_progress', 'paused',
                              'blocked', 'needs_review', 'completed', 'failed', 'cancelled']) AS s(status)
                          LEFT JOIN public.work_orders AS w ON w.status = s.status GROUP BY s.status) AS d $$;

SELECT is(p.provolatile, 's', 'ops_metrics is STABLE') FROM pg_proc AS p WHERE p.oid = 'public.ops_metrics()'::regprocedure;
SELECT is_empty($$SELECT n FROM unnest(ARRAY['moose_budget_limit_usd', 'moose_budget_spent_usd', 'moose_budget_reserved_usd',
                      'moose_work_order_budgets', 'moose_budget_tier', 'moose_kill_switch_active', 'moose_reservations_open',
                      'moose_work_orders', 'moose_stuck_work_orders', 'moose_escalations_open', 'moose_escalations_past_sla',
                      'moose_job_last_success_timestamp_seconds', 'moose_job_failures_total', 'moose_runners_alive',
                      'moose_alert_oldest_pending_seconds', 'moose_health_status', 'moose_xmin_horizon_age_seconds']) AS n
                 EXCEPT SELECT name FROM m$$, 'every documented series is there');
SELECT is_empty($$SELECT name FROM m WHERE name !~ '^moose_[a-z_]+$' OR type NOT IN ('gauge', 'counter')
                   OR (type = 'counter') <> (name LIKE '%\_total') OR value IS NULL OR jsonb_typeof(labels) <> 'object'$$,
                'names, types and values follow the conventions (counters end in _total)');
SELECT is_empty($$SELECT name FROM m GROUP BY name, labels HAVING count(*) > 1$$, 'no series twice');
SELECT is_empty($$SELECT 1 FROM (SELECT 1 FROM m) AS x
                  WHERE (SELECT count(DISTINCT help) FROM public.ops_metrics() AS o GROUP BY o.name ORDER BY 1 DESC LIMIT 1) > 1$$,
                'one help text per name');

-- Work orders per status.
INSERT INTO public.work_orders (title, status) SELECT 'wo ' || g, 'pending' FROM generate_series(1, 30) AS g;
INSERT INTO public.work_orders (title, status) VALUES ('one', 'in_progress');
UPDATE public.work_orders SET status = 'approved' WHERE title IN ('wo 1', 'wo 2', 'wo 3');
UPDATE public.work_orders SET description = 'touched' WHERE title = 'wo 4';
DELETE FROM public.work_orders WHERE title = 'wo 5';
SELECT is(pg_temp.v('moose_work_orders', '{"status": "pending"}'), 26::numeric, 'pending: 30 in, 3 moved on, 1 deleted');
SELECT is(pg_temp.v('moose_work_orders', '{"status": "approved"}'), 3::numeric, 'approved: the 3 moved');
SELECT is(pg_temp.work_order_drift(), 0::bigint, 'every status equals count(*)');
-- More single-row writes than a fold waits for: the rows fold, the counts stay exact.
DO $$ BEGIN
    FOR i IN 1..300 LOOP
        INSERT INTO public.work_orders (title, status) VALUES ('many ' || i, 'pending');
        IF i % 3 = 0 THEN UPDATE public.work_orders SET status = 'approved' WHERE title = 'many ' || i; END IF;
    END LOOP;
END $$;
SELECT cmp_ok((SELECT count(*) FROM private.ops_counts), '<=', 300::bigint, 'the running count rows were folded');
SELECT is(pg_temp.work_order_drift(), 0::bigint, 'after the folds every status still equals count(*)');

-- Alert deliveries per channel and status; the oldest pending one.
DELETE FROM public.alert_channels;
SELECT add_alert_channel('ops-eu', 'webhook', 'http://127.0.0.1:9/hook', NULL, 'info');
-- Every labelled family emits each label set it knows at 0, so a rule over a change sees the first event.
SELECT set_eq($$SELECT labels ->> 'status', value FROM m WHERE name = 'moose_alert_deliveries' AND labels ->> 'channel' = 'ops-eu'$$,
              $$VALUES ('pending', 0::numeric), ('sending', 0), ('delivered', 0), ('failed', 0), ('throttled', 0)$$,
              'a new channel has a series per delivery status at 0 before its first delivery');
SELECT results_eq($$SELECT name, count(*)::int FROM m WHERE name IN ('moose_work_orders', 'moose_budget_tier', 'moose_work_order_budgets',
                        'moose_health_status', 'moose_job_failures_total', 'moose_job_last_success_timestamp_seconds',
                        'moose_escalations_open') GROUP BY name ORDER BY name$$,
                  $$SELECT * FROM (VALUES ('moose_budget_tier', 5), ('moose_health_status', 3), ('moose_work_order_budgets', 4),
                                          ('moose_work_orders', 9)) AS f(name, n)
                    UNION ALL SELECT 'moose_escalations_open', count(*)::int FROM public.escalation_policies
                    UNION ALL SELECT f.name, count(*)::int FROM public.jobs,
                              unnest(ARRAY['moose_job_failures_total', 'moose_job_last_success_timestamp_seconds']) AS f(name)
                              GROUP BY f.name ORDER BY 1$$,
                  'every status, tier, job and escalation policy has its series, at 0 when nothing is counted');
-- (pg_net's worker may hold a snapshot for an instant: young, but not always 0.)
SELECT ok(pg_temp.v('moose_xmin_horizon_age_seconds') BETWEEN 0 AND 60, 'nothing old holds the xmin horizon back here');
SELECT raise_alert('error', 'test.metrics', 'one', NULL, 'metrics-1');
SELECT raise_alert('error', 'test.metrics', 'two', NULL, 'metrics-2');
UPDATE public.alert_deliveries SET created_at = now() - interval '90 seconds';
SELECT is(pg_temp.v('moose_alert_deliveries', '{"channel": "ops-eu", "status": "pending"}'), 2::numeric,
          'two pending deliveries on the channel, labelled by its name');
SELECT is(pg_temp.v('moose_alert_oldest_pending_seconds'), 90::numeric, 'the oldest pending delivery is 90 s old');
UPDATE public.alert_deliveries SET status = 'delivered', delivered_at = now()
WHERE id = (SELECT min(id) FROM public.alert_deliveries);
SELECT results_eq($$SELECT labels ->> 'status', value FROM m WHERE name = 'moose_alert_deliveries' AND value > 0 ORDER BY 1$$,
                  $$VALUES ('delivered'::text, 1::numeric), ('pending', 1)$$, 'a delivered one moves from pending to delivered');
TRUNCATE public.alert_deliveries;
SELECT is(pg_temp.v('moose_alert_deliveries'), 0::numeric, 'TRUNCATE empties the delivery counts');

-- Jobs: failures total and last success survive retention.
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
VALUES ('health_check', 't', '2030-01-01', '2030-01-01', '2030-01-01 00:00:05+00', 'succeeded'),
       ('health_check', 't', '2030-01-01', '2030-01-01', '2030-01-01', 'failed');
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at) VALUES ('health_check', 't', '2030-01-02', '2030-01-02');
UPDATE public.job_runs SET outcome = 'timed_out', finished_at = '2030-01-02' WHERE outcome = 'running';
DELETE FROM public.job_runs;
SELECT results_eq($$SELECT pg_temp.v('moose_job_failures_total', '{"job": "health_check"}'),
                           pg_temp.v('moose_job_last_success_timestamp_seconds', '{"job": "health_check"}')$$,
                  $$VALUES (2::numeric, extract(epoch FROM timestamptz '2030-01-01 00:00:05+00')::numeric)$$,
                  'two failures and the last success, kept after the runs are deleted');

-- Budget, kill switch, reservations.
SELECT check_and_reserve_budget(1.5, 'architect');
SELECT is(pg_temp.v('moose_reservations_open'), 1::numeric, 'an open reservation');
SELECT is(pg_temp.v('moose_budget_reserved_usd', '{"scope": "global", "key": "*", "period": "day"}'), 1.5::numeric,
          'the global budget shows it reserved');
-- Rate limits: what each bucket holds and its capacity (frozen: refilled_at ahead, no refill).
SELECT set_rate_limit('service', 'metered', 10, NULL);
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';
SELECT check_and_reserve_budget(0.1, 'metered');
SELECT is(pg_temp.v('moose_rate_limit_available', '{"scope": "service", "key": "metered", "kind": "requests"}'), 9::numeric,
          'a rate limit shows what its bucket holds after a call drew on it');
SELECT is(pg_temp.v('moose_rate_limit_per_minute', '{"scope": "service", "key": "metered", "kind": "requests"}'), 10::numeric,
          'and its per-minute figure');
SELECT is(pg_temp.v('moose_kill_switch_active'), 0::numeric, 'kill switch off');
SELECT emergency_kill('metrics test');
SELECT is(pg_temp.v('moose_kill_switch_active'), 1::numeric, 'kill switch on after emergency_kill');

-- Escalations and health.
SELECT create_escalation((SELECT id FROM public.work_orders WHERE title = 'one'), 'test_failures', '{}');
UPDATE public.escalations SET sla_due_at = now() - interval '1 minute' WHERE trigger_type = 'test_failures';
SELECT results_eq($$SELECT pg_temp.v('moose_escalations_open', '{"type": "test_failures"}'),
                           pg_temp.v('moose_escalations_past_sla'), pg_temp.v('moose_health_status', '{"status": "error"}')$$,
                  $$VALUES (1::numeric, 1::numeric, 1::numeric)$$, 'an open escalation past its SLA; health is error');
SELECT is_empty($$SELECT 1 FROM m, jsonb_each_text(labels) AS l(k, v)
                  WHERE v ~ '[0-9a-f]{8}-[0-9a-f]{4}-' OR k IN ('id', 'work_order_id')$$, 'no ids in labels');

-- Roles.
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM public.ops_metrics()$$), 'ERROR 42501', 'anon may not scrape');
SELECT isnt(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.ops_metrics()$$), 'ERROR 42501',
            'the dashboard may');
SELECT isnt(test_helpers.as_role('moose_runner', $$SELECT count(*) FROM public.ops_metrics()$$), 'ERROR 42501',
            'the runner may');

-- The triggers that keep the running counts, and the fold they call.
SELECT trigger_is('public', c.tbl, c.trigger_name, 'private', c.fn, c.trigger_name || ' runs private.' || c.fn)
FROM (VALUES ('work_orders', 'work_orders_ops_counts_inserted', 'work_orders_ops_counts_inserted'),
             ('work_orders', 'work_orders_ops_counts_updated', 'work_orders_ops_counts_updated'),
             ('work_orders', 'work_orders_ops_counts_deleted', 'work_orders_ops_counts_deleted'),
             ('work_orders', 'work_orders_ops_counts_truncated', 'work_orders_ops_counts_deleted'),
             ('alert_deliveries', 'alert_deliveries_ops_counts_inserted', 'alert_deliveries_ops_counts_inserted'),
             ('alert_deliveries', 'alert_deliveries_ops_counts_updated', 'alert_deliveries_ops_counts_updated'),
             ('alert_deliveries', 'alert_deliveries_ops_counts_deleted', 'alert_deliveries_ops_counts_deleted'),
             ('alert_deliveries', 'alert_deliveries_ops_counts_truncated', 'alert_deliveries_ops_counts_deleted'),
             ('job_runs', 'job_runs_totals', 'job_runs_totals')) AS c (tbl, trigger_name, fn);
INSERT INTO private.ops_counts (metric, label_1, value) SELECT 'work_orders', 'pending', 0 FROM generate_series(1, 300);
CREATE TEMP TABLE counts_before AS
    SELECT metric, label_1, label_2, sum(value) AS value FROM private.ops_counts GROUP BY 1, 2, 3 HAVING sum(value) <> 0;
SELECT private.fold_ops_counts();
SELECT set_eq($$SELECT metric, label_1, label_2, value FROM private.ops_counts$$,
              $$SELECT metric, label_1, label_2, value FROM counts_before$$,
              'fold_ops_counts sums 300 piled-up rows into one row per group, every count unchanged');

SELECT * FROM finish();
ROLLBACK;
