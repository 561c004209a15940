-- list_escalations: the operator's list (moose escalations list, moose status) decided in SQL:
-- open first by SLA with the time left, closed ones only when asked, the same open filter and
-- order as the open_escalations view, bad limits refused, each role's access.
BEGIN;
SELECT plan(11);

INSERT INTO work_orders (id, title, status) VALUES
    ('53000000-0000-0000-0000-000000000001', 'stuck', 'in_progress'),
    ('53000000-0000-0000-0000-000000000002', 'aider', 'in_progress');
SELECT create_escalation('53000000-0000-0000-0000-000000000001', 'stuck_work_order', '{}');
SELECT create_escalation('53000000-0000-0000-0000-000000000002', 'aider_failure', '{}');
SELECT create_escalation(NULL, 'budget_critical', '{}');
UPDATE escalations SET sla_due_at = now() - interval '10 minutes' WHERE trigger_type = 'aider_failure';
UPDATE escalations SET sla_due_at = now() + interval '20 minutes' WHERE trigger_type = 'budget_critical';
SELECT dismiss_escalation((SELECT id FROM escalations WHERE trigger_type = 'stuck_work_order'), 'handled by hand');

SELECT results_eq($$SELECT trigger_type, is_open, sla_breached, seconds_left FROM list_escalations()$$,
                  $$VALUES ('aider_failure'::text, true, true, -600), ('budget_critical', true, false, 1200)$$,
                  'open ones only, the breached SLA first, with the seconds left');
SELECT results_eq($$SELECT id FROM list_escalations()$$, $$SELECT id FROM open_escalations$$,
                  'the same escalations in the same order as the open_escalations view');
SELECT results_eq($$SELECT trigger_type, status, is_open, sla_breached, seconds_left FROM list_escalations(true)$$,
                  $$VALUES ('aider_failure'::text, 'pending'::text, true, true, -600),
                           ('budget_critical', 'pending', true, false, 1200),
                           ('stuck_work_order', 'dismissed', false, false, NULL::integer)$$,
                  'with p_include_closed the decided ones come last, with no SLA time');
SELECT results_eq($$SELECT trigger_type FROM list_escalations(true, 1)$$, $$VALUES ('aider_failure'::text)$$,
                  'p_limit keeps the most urgent');
SELECT throws_ok($$SELECT * FROM list_escalations(NULL)$$, '22004', 'include_closed is required',
                 'a NULL p_include_closed: 22004');
SELECT throws_ok($$SELECT * FROM list_escalations(false, 0)$$, '22023', 'limit must be between 1 and 10000, got 0',
                 'a limit of 0: 22023');
SELECT throws_ok($$SELECT * FROM list_escalations(false, NULL)$$, '22004', 'limit is required', 'a NULL limit: 22004');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM list_escalations()$$), 'ERROR 42501', 'anon: refused');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM list_escalations(true)$$), '3',
          'authenticated lists them');
SELECT is(test_helpers.as_role('service_role', $$SELECT count(*) FROM list_escalations()$$), '2', 'service_role lists them');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT count(*) FROM list_escalations()$$), '2', 'moose_runner lists them');

SELECT * FROM finish();
ROLLBACK;
