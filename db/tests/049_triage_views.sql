-- The DBA's triage views (db/views): stuck_work_orders, open_escalations, cost_today,
-- retry_storms, error_patterns. Contents, security_invoker, and no access for anon.
BEGIN;
SELECT plan(17);

SELECT update_config('max_refinement_attempts', '100');
INSERT INTO work_orders (id, title, status) VALUES
    ('a0000000-0000-0000-0000-000000000001', 'stuck one', 'in_progress'),
    ('a0000000-0000-0000-0000-000000000002', 'stormy', 'in_progress'),
    ('a0000000-0000-0000-0000-000000000003', 'calm', 'in_progress');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, metadata)
SELECT 'a0000000-0000-0000-0000-000000000002', CASE WHEN i % 2 = 0 THEN 'gpt-4o-mini' ELSE 'claude-sonnet-4.5' END, 0.5, i % 3 = 0,
       CASE WHEN i % 3 = 0 THEN '{}'::jsonb ELSE '{"error_message": "rate limited"}'::jsonb END
FROM generate_series(1, 12) AS i;
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, metadata) VALUES
    ('a0000000-0000-0000-0000-000000000003', 'gpt-4o-mini', 2, false, '{"error_details": {"message": "syntax error"}}'),
    ('a0000000-0000-0000-0000-000000000003', 'gpt-4o-mini', 1, true, '{}');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at, metadata)
VALUES ('a0000000-0000-0000-0000-000000000003', 'gpt-4o-mini', 50, false, now() - interval '2 days', '{"error_message": "old"}');
UPDATE work_orders SET updated_at = now() - interval '30 hours' WHERE id = 'a0000000-0000-0000-0000-000000000001';
SELECT escalate_stuck_work_orders();

SELECT results_eq($$SELECT work_order_id, status, round(hours_stuck), escalation_id IS NOT NULL FROM stuck_work_orders$$,
                  $$VALUES ('a0000000-0000-0000-0000-000000000001'::uuid, 'in_progress'::text, 30::numeric, true)$$,
                  'stuck_work_orders: hours stuck and the episode''s escalation');
SELECT create_escalation(NULL, 'budget_critical', '{}');
SELECT results_eq($$SELECT trigger_type, priority, minutes_left BETWEEN 29 AND 30.1 FROM open_escalations LIMIT 1$$,
                  $$VALUES ('budget_critical'::text, 'high'::text, true)$$, 'open_escalations: the nearest SLA first');
SELECT is((SELECT recommended_option FROM open_escalations WHERE trigger_type = 'stuck_work_order'), 'requeue',
          'open_escalations shows the recommendation');
SELECT results_eq($$SELECT work_order_id, model_used, total_cost, attempts::int FROM cost_today ORDER BY total_cost DESC, model_used, work_order_id$$,
                  $$VALUES ('a0000000-0000-0000-0000-000000000002'::uuid, 'claude-sonnet-4.5'::text, 3.000000::numeric, 6),
                           ('a0000000-0000-0000-0000-000000000002', 'gpt-4o-mini', 3.000000, 6),
                           ('a0000000-0000-0000-0000-000000000003', 'gpt-4o-mini', 3.000000, 2)$$,
                  'cost_today: by work order and model, only the current budget day');
SELECT results_eq($$SELECT work_order_id, retry_count::int, failures::int, cardinality(attempt_times) FROM retry_storms$$,
                  $$VALUES ('a0000000-0000-0000-0000-000000000002'::uuid, 12, 8, 12)$$, 'retry_storms: more than 10 attempts today');
SELECT results_eq($$SELECT error, occurrences::int, work_orders::int FROM error_patterns$$,
                  $$VALUES ('rate limited'::text, 8, 1), ('syntax error', 1, 1)$$, 'error_patterns: today''s failures by message');

SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relname IN ('stuck_work_orders', 'open_escalations', 'cost_today', 'retry_storms', 'error_patterns')
                    AND NOT coalesce(c.reloptions, '{}') @> ARRAY['security_invoker=true']$$,
                'every triage view is security_invoker');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM stuck_work_orders$$), 'ERROR 42501', 'anon: no stuck_work_orders');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM open_escalations$$), 'ERROR 42501', 'anon: no open_escalations');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM cost_today$$), 'ERROR 42501', 'anon: no cost_today');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM retry_storms$$), 'ERROR 42501', 'anon: no retry_storms');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM error_patterns$$), 'ERROR 42501', 'anon: no error_patterns');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM stuck_work_orders$$), '1', 'authenticated reads stuck_work_orders');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM open_escalations$$), '2', 'authenticated reads open_escalations');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM cost_today$$), '3', 'authenticated reads cost_today');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM retry_storms$$), '1', 'authenticated reads retry_storms');
SELECT is(test_helpers.as_role('service_role', $$SELECT count(*) FROM error_patterns$$), '2', 'service_role reads error_patterns');

SELECT * FROM finish();
ROLLBACK;
