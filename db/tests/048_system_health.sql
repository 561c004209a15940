-- system_health (runbook 1.1's rules and every figure behind them), budget_window and
-- triage_thresholds.
BEGIN;
SELECT plan(24);

SELECT is(system_health() ->> 'status', 'healthy', 'an empty system is healthy');
SELECT ok(system_health() ?& ARRAY['reasons', 'stuck_work_orders', 'escalations', 'budget', 'error_rate', 'orchestrator', 'database', 'checked_at'],
          'every figure is in the answer');
SELECT ok((system_health() -> 'database' ->> 'size_bytes')::bigint > 0, 'database size is reported');
SELECT is(system_health() -> 'orchestrator' ->> 'status', 'running', 'orchestrator state is reported');

-- error rate over 5 % in 24 h: warning (failures here must not open retry_exhausted)
SELECT update_config('max_refinement_attempts', '100');
INSERT INTO work_orders (id, title, status) VALUES ('90000000-0000-0000-0000-000000000001', 'w', 'completed');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
SELECT '90000000-0000-0000-0000-000000000001', 'm', 0, i > 1, now() - interval '1 hour' FROM generate_series(1, 20) AS i;
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
SELECT '90000000-0000-0000-0000-000000000001', 'm', 0, false, now() - interval '25 hours' FROM generate_series(1, 20) AS i;
SELECT results_eq($$SELECT (h -> 'error_rate' ->> 'attempts')::int, (h -> 'error_rate' ->> 'failed')::int, (h -> 'error_rate' ->> 'percentage')::numeric, h ->> 'status'
                    FROM (SELECT system_health() AS h) q$$,
                  $$VALUES (20, 1, 5.00::numeric, 'healthy'::text)$$, '1 of 20 in 24 h is 5 %: not over, failures older than 24 h do not count');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success) VALUES ('90000000-0000-0000-0000-000000000001', 'm', 0, false);
SELECT is(system_health() ->> 'status', 'warning', '2 of 21 (9.5 %) is a warning');
SELECT matches(system_health() -> 'reasons' ->> 0, '^error rate 9.52% in 24 h$', 'the reason says why');
UPDATE outcome_vectors SET success = true;

-- budget over 80 %: warning (the budget engine may also open its tier escalations here; the
-- budget reason is checked on its own, then the escalations and the threshold are put aside)
INSERT INTO cost_tracking (service_name, cost) VALUES ('anthropic', 85);
SELECT matches(system_health() ->> 'reasons', 'budget at 85(\.0+)?% of the daily limit', 'budget at 85 % is a warning reason');
SELECT is((system_health() -> 'budget' ->> 'percentage')::numeric, 85.00, 'budget usage comes from budget_status()');
DELETE FROM escalations;
SELECT update_config('health_budget_warning_pct', '1000');

-- orchestrator not polling: warning
UPDATE orchestrator_state SET last_poll_at = now() - interval '1 hour';
SELECT is(system_health() ->> 'status', 'warning', 'a running orchestrator silent for an hour is a warning');
UPDATE orchestrator_state SET last_poll_at = now();
SELECT is(system_health() ->> 'status', 'healthy', 'a fresh poll is healthy again');

-- stuck work orders and pending escalations: error
INSERT INTO work_orders (id, title, status) VALUES ('90000000-0000-0000-0000-000000000002', 'stuck', 'pending');
UPDATE work_orders SET updated_at = now() - interval '3 hours' WHERE id = '90000000-0000-0000-0000-000000000002';
SELECT results_eq($$SELECT h ->> 'status', (h -> 'stuck_work_orders' ->> 'total')::int, (h -> 'stuck_work_orders' ->> 'pending')::int
                    FROM (SELECT system_health() AS h) q$$,
                  $$VALUES ('error'::text, 1, 1)$$, 'a stuck work order is an error');
SELECT escalate_stuck_work_orders();
UPDATE work_orders SET status = 'cancelled' WHERE id = '90000000-0000-0000-0000-000000000002';
SELECT results_eq($$SELECT h ->> 'status', (h -> 'escalations' ->> 'pending')::int, (h -> 'escalations' -> 'by_priority' -> 'medium' ->> 'open')::int
                    FROM (SELECT system_health() AS h) q$$,
                  $$VALUES ('error'::text, 1, 1)$$, 'a pending escalation is an error, counted by priority');
SELECT acknowledge_escalation(id) FROM escalations;
SELECT is(system_health() ->> 'status', 'healthy', 'an acknowledged escalation within its SLA is not an error');
UPDATE escalations SET sla_due_at = now() - interval '1 minute';
SELECT is((system_health() -> 'escalations' ->> 'sla_breached')::int, 1, 'past its SLA it counts as breached');
SELECT is(system_health() ->> 'status', 'error', 'and is an error');

-- thresholds are config
SELECT update_config('health_error_rate_warning_pct', '0');
SELECT is((system_health() -> 'thresholds' ->> 'error_rate_warning_pct')::numeric, 0::numeric, 'the thresholds are reported');

-- budget_window and triage_thresholds
SELECT results_eq($$SELECT budget_day, starts_at, ends_at FROM budget_window()$$,
                  $$SELECT (now() AT TIME ZONE 'UTC')::date, ((now() AT TIME ZONE 'UTC')::date)::timestamp AT TIME ZONE 'UTC',
                           ((now() AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC'$$,
                  'budget_window: the budget day in UTC and its bounds');
SELECT update_config('budget_timezone', '"Pacific/Kiritimati"');
SELECT is((SELECT budget_day FROM budget_window()), (now() AT TIME ZONE 'Pacific/Kiritimati')::date, 'budget_window follows budget_timezone');
SELECT results_eq($$SELECT * FROM triage_thresholds()$$,
                  $$VALUES (interval '2 hours', interval '24 hours', 10, 100, 3)$$, 'triage_thresholds reads config');
SELECT is(test_helpers.as_role('authenticated', $$SELECT system_health() ->> 'status'$$), 'error', 'authenticated reads health');
SELECT is(test_helpers.as_role('anon', $$SELECT system_health() ->> 'status'$$), 'ERROR 42501', 'anon does not');

-- the scheduler's figures are shown, and do not change the runbook's status
SELECT update_config('health_error_rate_warning_pct', '5');
UPDATE escalations SET status = 'dismissed';
UPDATE jobs SET consecutive_failures = 2, failing_since = now(), last_error = 'boom' WHERE name = 'retention';
SELECT is(system_health() -> 'scheduler' -> 'jobs_failing' -> 0 ->> 'job', 'retention',
          'system_health shows a failing job under scheduler');
SELECT is(system_health() ->> 'status', 'healthy', 'a failing job is a figure, not a status rule');

SELECT * FROM finish();
ROLLBACK;
