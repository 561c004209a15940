-- resolve_escalation and private.apply_escalation_effect: bad input is refused with nothing
-- written; each effect action does what its option says to the work order in the deciding
-- transaction; the decision log, actor and audit row are recorded; deciding twice is 55000
-- and executes nothing; an effect that does not fit the work order rolls the decision back.
BEGIN;
SELECT plan(45);

CREATE FUNCTION pg_temp.esc(p_wo text, p_type text) RETURNS uuid LANGUAGE sql AS $$
    SELECT id FROM escalations WHERE work_order_id = p_wo::uuid AND trigger_type = p_type ORDER BY created_at DESC LIMIT 1
$$;
CREATE FUNCTION pg_temp.wo(p_id text) RETURNS work_orders LANGUAGE sql AS $$ SELECT * FROM work_orders WHERE id = p_id::uuid $$;

INSERT INTO work_orders (id, title, status, priority) VALUES
    ('70000000-0000-0000-0000-000000000001', 'retry me', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000002', 'amend me', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000003', 'split me', 'in_progress', 'high'),
    ('70000000-0000-0000-0000-000000000004', 'redesign me', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000005', 'revert me', 'completed', 'medium'),
    ('70000000-0000-0000-0000-000000000006', 'flaky', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000007', 'env', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000008', 'aider', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000009', 'stuck', 'in_progress', 'medium'),
    ('70000000-0000-0000-0000-000000000010', 'stuck 2', 'pending', 'medium'),
    ('70000000-0000-0000-0000-000000000011', 'low queued', 'pending', 'low'),
    ('70000000-0000-0000-0000-000000000012', 'critical queued', 'approved', 'critical'),
    ('70000000-0000-0000-0000-000000000013', 'gone', 'in_progress', 'medium');
INSERT INTO contracts (id, name) VALUES ('70000000-0000-0000-0000-0000000000c1', 'api');
SELECT record_outcome(('70000000-0000-0000-0000-00000000000' || n)::uuid, 'gpt-4o-mini', 0.5, false)
FROM generate_series(1, 4) AS n, generate_series(1, 4) AS attempt;
SELECT report_test_run(('70000000-0000-0000-0000-00000000000' || n)::uuid, false) FROM generate_series(6, 7) AS n, generate_series(1, 4);
SELECT record_outcome('70000000-0000-0000-0000-000000000005', 'gpt-4o-mini', 0.5, true);
SELECT report_contract_violation('70000000-0000-0000-0000-000000000005', '70000000-0000-0000-0000-0000000000c1', '{"errors": ["removed field"]}');
SELECT report_aider_failure('70000000-0000-0000-0000-000000000008', 'conflict');
SELECT create_escalation(('70000000-0000-0000-0000-0000000000' || n)::uuid, 'stuck_work_order', '{}') FROM generate_series(10, 10) AS n;
SELECT create_escalation('70000000-0000-0000-0000-000000000009', 'stuck_work_order', '{}');
SELECT create_escalation('70000000-0000-0000-0000-000000000013', 'stuck_work_order', '{}');
SELECT create_escalation(NULL, 'budget_critical', '{"daily_total": 85}');
SELECT create_escalation(NULL, 'budget_warning', '{"daily_total": 55}');
SELECT create_escalation(NULL, 'stuck_work_order', '{"note": "system-wide"}');

-- bad input: clear errors, nothing decided
SELECT throws_ok($$SELECT resolve_escalation(NULL, 'retry_stronger_model')$$, '22004', 'escalation id must not be NULL',
                 'NULL escalation: 22004');
SELECT throws_ok($$SELECT resolve_escalation('99999999-0000-0000-0000-000000000000', 'retry_stronger_model')$$,
                 'P0002', 'escalation 99999999-0000-0000-0000-000000000000 does not exist', 'unknown escalation: P0002');
SELECT throws_ok(format('SELECT resolve_escalation(%L, NULL)', pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted')),
                 '22004', 'option must not be NULL', 'NULL option: 22004');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted'), 'revert_changes'),
                 '22023', 'escalation type retry_exhausted has no option ''revert_changes''', 'an option of another type: 22023');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, NULL)', pg_temp.esc('70000000-0000-0000-0000-000000000004', 'retry_exhausted'), 'abort_redesign'),
                 '22004', 'notes are required for this decision', 'an option that needs notes, without notes: 22004');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000004', 'retry_exhausted'), 'abort_redesign', '   '),
                 '22023', 'notes must not be blank for this decision', 'blank notes: 22023');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000004', 'retry_exhausted'), 'abort_redesign', repeat('x', 10001)),
                 '22023', 'notes must be at most 10000 characters, got 10001', 'huge notes: 22023');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, NULL, NULL, NULL, NULL, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted'), 'retry_stronger_model', '[]'),
                 '22023', 'params must be a JSON object, got array', 'params not an object: 22023');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, NULL, NULL, NULL, NULL, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted'), 'retry_stronger_model', '{"model": 5}'),
                 '22023', 'option retry_stronger_model fixes model = "claude-sonnet-4.5"; a decision cannot change it',
                 'params.model not a name: 22023');
SELECT is((SELECT count(*)::int FROM escalations WHERE status <> 'pending'), 0, 'bad input decided nothing');

-- retry, decided by an authenticated user with a JWT
SELECT is(test_helpers.as_role('authenticated',
              format($$SELECT resolve_escalation(%L, 'retry_stronger_model', 'cheap model is the limit', 'passes with sonnet',
                                                 'split it', 'watch the next run') ->> 'decided_by'$$,
                     pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted')),
              '{"sub": "user-42", "role": "authenticated"}'),
          'user-42', 'authenticated decides; the actor is the JWT sub');
SELECT results_eq($$SELECT status, refinement_attempts, metadata ->> 'model_override' FROM work_orders WHERE id = '70000000-0000-0000-0000-000000000001'$$,
                  $$VALUES ('pending'::text, 0, 'claude-sonnet-4.5'::text)$$, 'retry: pending, attempts reset, stronger model');
SELECT results_eq($$SELECT status, resolved_by, decision_option, decision_reasoning, expected_outcome, fallback_plan, follow_up
                    FROM escalations WHERE id = pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted')$$,
                  $$VALUES ('resolved'::text, 'user-42'::text, 'retry_stronger_model'::text, 'cheap model is the limit'::text,
                            'passes with sonnet'::text, 'split it'::text, 'watch the next run'::text)$$,
                  'the decision log of runbook 3.2 is recorded');
SELECT is((SELECT resolution ->> 'decision' FROM escalations WHERE id = pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted')),
          'Retry with a different approach', 'resolution holds the whole log');
SELECT is((SELECT actor FROM work_order_history WHERE work_order_id = '70000000-0000-0000-0000-000000000001' ORDER BY id DESC LIMIT 1),
          'user-42', 'the work order history names the decider');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'escalation.resolved' AND actor = 'user-42'), 1, 'an audit row');

-- decided twice: 55000, no second execution
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted'), 'abort_redesign', 'again'),
                 '55000', (SELECT format('escalation %s was already resolved by user-42 at %s: it cannot be resolved', id, resolved_at)
                           FROM escalations WHERE id = pg_temp.esc('70000000-0000-0000-0000-000000000001', 'retry_exhausted')),
                 'deciding twice is 55000');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000001')).status, 'pending', 'and did not execute the second option');

-- amend
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000002', 'retry_exhausted'), 'pivot_solution', 'narrow it'),
                 '22023', 'option pivot_solution needs params.amendments', 'pivot without params.amendments: 22023');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000002', 'retry_exhausted'), 'pivot_solution', 'narrow it',
                          p_params => '{"amendments": {"files_in_scope": ["src/a.ts"]}}');
SELECT results_eq($$SELECT status, metadata -> 'amendments' -> 'files_in_scope' ->> 0 FROM work_orders WHERE id = '70000000-0000-0000-0000-000000000002'$$,
                  $$VALUES ('pending'::text, 'src/a.ts'::text)$$, 'amend: pending with the amendments');

-- split
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)', pg_temp.esc('70000000-0000-0000-0000-000000000003', 'retry_exhausted'),
                        'split_work_order', 'halves', '{"parts": [{"title": "only one"}]}'), '22023', 'params.parts of option split_work_order must be a array within its bounds, got [{"title": "only one"}]',
                 'split into one part: 22023');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)', pg_temp.esc('70000000-0000-0000-0000-000000000003', 'retry_exhausted'),
                        'split_work_order', 'halves', '{"parts": [{"title": "a"}, {"description": "no title"}]}'), '22023', 'every part needs a title of 1 to 500 characters (and an optional description string), got {"description": "no title"}',
                 'a part without title: 22023');
SELECT is((SELECT count(*)::int FROM work_orders WHERE metadata ? 'parent_work_order_id'), 0, 'failed splits created nothing');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000003', 'retry_exhausted'), 'split_work_order', 'halves',
                          p_params => '{"parts": [{"title": "API half"}, {"title": "UI half", "description": "the form"}]}');
SELECT results_eq($$SELECT title, status, priority FROM work_orders WHERE metadata ->> 'parent_work_order_id' = '70000000-0000-0000-0000-000000000003' ORDER BY title$$,
                  $$VALUES ('API half'::text, 'pending'::text, 'high'::text), ('UI half', 'pending', 'high')$$,
                  'split: the parts are new pending work orders with the parent''s priority');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000003')).status, 'cancelled', 'split: the original is cancelled');
SELECT is((SELECT jsonb_array_length(decision_effect -> 'created_work_orders') FROM escalations
           WHERE id = pg_temp.esc('70000000-0000-0000-0000-000000000003', 'retry_exhausted')), 2, 'split: the effect lists the parts');

-- redecompose and revert
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000004', 'retry_exhausted'), 'abort_redesign', 'wrong decomposition');
SELECT ok((pg_temp.wo('70000000-0000-0000-0000-000000000004')).status = 'cancelled'
          AND (pg_temp.wo('70000000-0000-0000-0000-000000000004')).metadata ? 'redecomposition_requested', 'abort: cancelled, re-decomposition requested');
SELECT is((SELECT count(*)::int FROM alerts WHERE kind = 'work_order.redecompose'), 1, 'abort: the Architect is alerted');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000005')).status, 'blocked', 'a completed work order with a contract violation is blocked');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000005', 'contract_violation'), 'revert_changes', 'dependents broke');
SELECT ok((pg_temp.wo('70000000-0000-0000-0000-000000000005')).status = 'cancelled'
          AND (pg_temp.wo('70000000-0000-0000-0000-000000000005')).metadata ? 'revert_requested', 'revert: cancelled, revert requested');

-- unblock, pause, manual review
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000006', 'test_failures'), 'flaky_test', 'known flaky test_pay');
SELECT results_eq($$SELECT status, test_failure_cycles FROM work_orders WHERE id = '70000000-0000-0000-0000-000000000006'$$,
                  $$VALUES ('in_progress'::text, 0)$$, 'flaky: back to where it was, cycles reset');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000007', 'test_failures'), 'environment_issue', 'npm registry down');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000007')).status, 'paused', 'environment issue: paused');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000008', 'aider_failure'), 'manual_application', 'applied by hand');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000008')).status, 'needs_review', 'manual application: needs review');

-- requeue and cancel (stuck)
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000009', 'stuck_work_order'), 'requeue');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000009')).status, 'pending', 'requeue: in progress -> pending');
SELECT resolve_escalation(pg_temp.esc('70000000-0000-0000-0000-000000000013', 'stuck_work_order'), 'cancel_work_order', 'not wanted');
SELECT is((pg_temp.wo('70000000-0000-0000-0000-000000000013')).status, 'cancelled', 'cancel: cancelled');

-- system-wide options
SELECT resolve_escalation((SELECT id FROM escalations WHERE trigger_type = 'budget_critical'), 'pause_non_critical');
SELECT results_eq($$SELECT id::text, status FROM work_orders WHERE id IN ('70000000-0000-0000-0000-000000000010', '70000000-0000-0000-0000-000000000011',
                                                                          '70000000-0000-0000-0000-000000000012') ORDER BY id$$,
                  $$VALUES ('70000000-0000-0000-0000-000000000010', 'paused'), ('70000000-0000-0000-0000-000000000011', 'paused'),
                           ('70000000-0000-0000-0000-000000000012', 'approved')$$,
                  'pause non-critical: medium and low queued work paused, critical untouched');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'budget_warning'), 'increase_daily_budget', 'approved by lead'),
                 '22023', 'option increase_daily_budget needs params.value',
                 'increase budget without params.value: 22023 (a missing required parameter)');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)', (SELECT id FROM escalations WHERE trigger_type = 'budget_warning'),
                        'increase_daily_budget', 'approved by lead', '{"value": -5}'), '22023', 'params.value must raise today''s daily budget limit 100: above it and at most 200.00, got -5',
                 'a negative budget: 22023 (not an increase)');
SELECT resolve_escalation((SELECT id FROM escalations WHERE trigger_type = 'budget_warning'), 'increase_daily_budget', 'approved by lead',
                          p_params => '{"value": 150}');
SELECT is((SELECT value FROM system_config WHERE key = 'daily_budget_limit'), '150'::jsonb, 'increase budget: the limit is 150');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'stuck_work_order' AND work_order_id IS NULL), 'requeue'),
                 '55000', (SELECT format('option requeue acts on a work order, but escalation %s has none', id)
                           FROM escalations WHERE trigger_type = 'stuck_work_order' AND work_order_id IS NULL),
                 'a work-order option on a system-wide escalation: 55000');

SELECT create_escalation(NULL, 'budget_warning', '{"daily_total": 60}');
CREATE TEMP TABLE before_wo AS SELECT id, status, updated_at FROM work_orders;
SELECT is((SELECT resolve_escalation(id, 'investigate_cost_anomaly', 'checking retry_storms first') -> 'effect' ->> 'action'
           FROM escalations WHERE trigger_type = 'budget_warning' AND status = 'pending'), 'record_only',
          'record only: the decision is recorded');
SELECT is_empty($$SELECT id, status, updated_at FROM work_orders EXCEPT SELECT id, status, updated_at FROM before_wo$$,
                'record only: no work order changed');

-- an effect that does not fit rolls the whole decision back
SELECT create_escalation('70000000-0000-0000-0000-000000000004', 'aider_failure', '{}');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L)', pg_temp.esc('70000000-0000-0000-0000-000000000004', 'aider_failure'), 'retry_clean_state'),
                 '55000', 'illegal work order transition cancelled -> pending (work order 70000000-0000-0000-0000-000000000004)',
                 'retrying a cancelled work order: 55000 from the state machine');
SELECT is((SELECT status FROM escalations WHERE id = pg_temp.esc('70000000-0000-0000-0000-000000000004', 'aider_failure')), 'pending',
          'and the escalation is still pending');
SELECT is(test_helpers.as_role('anon', format($$SELECT resolve_escalation(%L, 'retry_clean_state')$$, pg_temp.esc('70000000-0000-0000-0000-000000000004', 'aider_failure'))),
          'ERROR 42501', 'anon may not decide');

SELECT * FROM finish();
ROLLBACK;
