-- recommend_resolution: the option prior adjusted by context rules over the facts
-- (private.escalation_facts: model used, cost spent, attempts...), blended with how past
-- decisions of the type turned out (private.escalation_outcome). No history: basis
-- context_only, confidence 0.25, and the explanation says so.
BEGIN;
SELECT plan(23);

-- no history: the context decides
INSERT INTO work_orders (id, title, status) VALUES ('60000000-0000-0000-0000-000000000001', 'expensive', 'in_progress');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
SELECT '60000000-0000-0000-0000-000000000001', CASE WHEN i < 4 THEN 'gpt-4o-mini' ELSE 'claude-sonnet-4.5' END, 3, false
FROM generate_series(1, 4) AS i;
SELECT results_eq(
    $$SELECT recommendation ->> 'option', (recommendation ->> 'confidence')::numeric, recommendation ->> 'basis'
      FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000001'$$,
    $$VALUES ('abort_redesign', 0.25, 'context_only')$$,
    'the strongest model failed at $12: abort and redesign, not another retry; no history: confidence 0.25, basis context_only');
SELECT matches((SELECT recommendation ->> 'explanation' FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000001'),
               '^No past retry_exhausted decisions with a known outcome.*low confidence.*Context: already very expensive; the stronger model already failed',
               'the explanation says there is no history and which context rules matched');
SELECT is((SELECT (s ->> 'prior')::numeric FROM escalations, jsonb_array_elements(recommendation -> 'scores') s
           WHERE work_order_id = '60000000-0000-0000-0000-000000000001' AND s ->> 'option' = 'retry_stronger_model'),
          0.150, 'retry prior 0.6 - 0.35 (strong model failed) - 0.1 (cost > 5)');

-- private.escalation_facts
SELECT results_eq(
    $$SELECT f ->> 'model_used', (f ->> 'cost_spent')::numeric, (f ->> 'attempts')::int, f ->> 'orchestrator_status'
      FROM (SELECT private.escalation_facts(id) AS f FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000001') q$$,
    $$VALUES ('claude-sonnet-4.5'::text, 12::numeric, 4, 'running'::text)$$,
    'facts: latest model, cost spent, attempts, orchestrator state');
SELECT is(private.escalation_facts('99999999-0000-0000-0000-000000000000'), NULL, 'facts of an unknown escalation: NULL');
SELECT create_escalation(NULL, 'budget_warning', '{}');
SELECT ok((SELECT private.escalation_facts(id) ?& ARRAY['percentage', 'retry_storms_last_hour'] FROM escalations WHERE trigger_type = 'budget_warning'),
          'facts of a budget escalation include the spend share and retry storms');
SELECT create_escalation(NULL, 'budget_critical', '{"kill_id": "k-1", "paused_work_orders": 3}');
SELECT matches((SELECT recommendation ->> 'option' || ': ' || (recommendation ->> 'explanation') FROM escalations WHERE trigger_type = 'budget_critical'),
               '^investigate_cost_anomaly: .*after a kill, find the cause', 'after a kill: investigate, not pause again');
INSERT INTO work_orders (id, title, status) VALUES ('60000000-0000-0000-0000-000000000003', 'stormy', 'in_progress');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
SELECT '60000000-0000-0000-0000-000000000003', 'gpt-4o-mini', 0.1, true FROM generate_series(1, 12);
SELECT is((SELECT recommend_resolution(id) ->> 'option' FROM escalations WHERE trigger_type = 'budget_warning'),
          'investigate_cost_anomaly', 'a retry storm in the last hour points a budget escalation at the cost anomaly');

-- history: 10 past pivots that succeeded, 4 past retries that failed
INSERT INTO work_orders (id, title, status)
SELECT ('60000000-0000-0000-0000-1' || lpad(i::text, 11, '0'))::uuid, 'past ' || i, CASE WHEN i <= 10 THEN 'completed' ELSE 'failed' END
FROM generate_series(1, 14) AS i;
INSERT INTO escalations (work_order_id, trigger_type, status, priority, sla_due_at, resolved_at, decision_option, decision_effect)
SELECT ('60000000-0000-0000-0000-1' || lpad(i::text, 11, '0'))::uuid, 'retry_exhausted', 'resolved', 'medium', now(),
       now() - interval '1 day' - i * interval '1 second',  -- distinct, so "the latest N" is one set
       CASE WHEN i <= 10 THEN 'pivot_solution' ELSE 'retry_stronger_model' END,
       CASE WHEN i <= 10 THEN '{"action": "amend"}'::jsonb ELSE '{"action": "retry"}'::jsonb END
FROM generate_series(1, 14) AS i;

INSERT INTO work_orders (id, title, status) VALUES ('60000000-0000-0000-0000-000000000002', 'fresh', 'in_progress');
SELECT create_escalation('60000000-0000-0000-0000-000000000002', 'retry_exhausted', '{}');
-- confidence = 0.25 + 0.7 * (10/15) * (11/12) = 0.68
SELECT results_eq(
    $$SELECT recommendation ->> 'option', (recommendation ->> 'confidence')::numeric, recommendation ->> 'basis',
             (recommendation ->> 'decisions_known')::int
      FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000002'$$,
    $$VALUES ('pivot_solution', 0.68, 'history', 14)$$,
    'history: the option that worked 10 of 10 times wins over the higher prior; confidence 0.68, basis history, 14 decisions known');
SELECT is((SELECT (s ->> 'score')::numeric FROM escalations, jsonb_array_elements(recommendation -> 'scores') s
           WHERE work_order_id = '60000000-0000-0000-0000-000000000002' AND s ->> 'option' = 'retry_stronger_model'),
          0.407, 'retry: (5/9) * 0.6 + (4/9) * (1/6) = 0.407');
SELECT matches((SELECT recommendation ->> 'explanation' FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000002'),
               '^10 of 10 past retry_exhausted decisions with this option succeeded', 'the explanation cites the history');

-- private.escalation_outcome
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-100000000001')),
          'succeeded', 'outcome: completed work order = succeeded');
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-100000000011')),
          'failed', 'outcome: failed work order = failed');
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000002')),
          'unknown', 'outcome: an open escalation = unknown');
UPDATE escalations SET decision_effect = '{"action": "redecompose"}' WHERE work_order_id = '60000000-0000-0000-0000-100000000011';
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-100000000011')),
          'unknown', 'outcome: abort/redesign says nothing about success');
UPDATE escalations SET decision_effect = jsonb_build_object('action', 'split', 'created_work_orders',
    jsonb_build_array('60000000-0000-0000-0000-100000000001', '60000000-0000-0000-0000-100000000002'))
WHERE work_order_id = '60000000-0000-0000-0000-100000000012';
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-100000000012')),
          'succeeded', 'outcome: split with every part completed = succeeded');
INSERT INTO escalations (trigger_type, status, priority, sla_due_at, created_at, resolved_at, decision_option, decision_effect)
VALUES ('budget_critical', 'resolved', 'high', now(), now() - interval '3 days', now() - interval '3 days', 'pause_non_critical', '{"action": "pause_non_critical"}');
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE trigger_type = 'budget_critical' AND status = 'resolved')),
          'succeeded', 'outcome: a budget decision with no repeat within 24 h = succeeded');
INSERT INTO escalations (trigger_type, status, priority, sla_due_at, created_at, resolved_at, decision_option, decision_effect)
VALUES ('budget_critical', 'dismissed', 'high', now(), now() - interval '3 days' + interval '2 hours', now() - interval '2 days', NULL, NULL);
SELECT is(private.escalation_outcome((SELECT id FROM escalations WHERE trigger_type = 'budget_critical' AND status = 'resolved')),
          'failed', 'outcome: a budget decision followed by another budget_critical within 24 h = failed');

-- bad input, types without options, roles
SELECT throws_ok($$SELECT recommend_resolution(NULL)$$, '22004', 'escalation id must not be NULL', 'NULL id: 22004');
SELECT throws_ok($$SELECT recommend_resolution('99999999-0000-0000-0000-000000000000')$$,
                 'P0002', 'escalation 99999999-0000-0000-0000-000000000000 does not exist', 'unknown id: P0002');
INSERT INTO escalation_policies (trigger_type, priority, sla, description) VALUES ('optimization_hint', 'low', '24 hours', 'test type');
SELECT create_escalation(NULL, 'optimization_hint', '{}');
SELECT is((SELECT recommend_resolution(id) ->> 'basis' FROM escalations WHERE trigger_type = 'optimization_hint'), 'no_options',
          'a type without options says so');
SELECT is(test_helpers.as_role('authenticated',
              $$SELECT recommend_resolution(id) ->> 'option' FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000002'$$),
          'pivot_solution', 'authenticated may ask for a recommendation');

SELECT update_config('recommendation_history_limit', '3');
SELECT is((SELECT (recommend_resolution(id) ->> 'decisions_known')::int FROM escalations WHERE work_order_id = '60000000-0000-0000-0000-000000000002'),
          3, 'only the latest recommendation_history_limit decisions count');

SELECT * FROM finish();
ROLLBACK;
