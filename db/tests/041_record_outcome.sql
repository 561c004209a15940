-- record_outcome and the trigger outcome_vectors_count_attempts: validation (nothing written on
-- bad input), failed attempts counted (direct INSERTs too), more than max_refinement_attempts
-- opens one retry_exhausted escalation and blocks the work order; metadata lands where the
-- runbook's investigation queries read it.
BEGIN;
SELECT plan(31);

INSERT INTO work_orders (id, title, status) VALUES
    ('20000000-0000-0000-0000-000000000001', 'a', 'in_progress'),
    ('20000000-0000-0000-0000-000000000002', 'b', 'in_progress');

-- bad input: clear errors, nothing written
SELECT throws_ok($$SELECT record_outcome(NULL, 'm', 1, false)$$, '22004', 'work order id must not be NULL',
                 'NULL work order: 22004');
SELECT throws_ok($$SELECT record_outcome('99999999-0000-0000-0000-000000000000', 'm', 1, false)$$,
                 'P0002', 'work order 99999999-0000-0000-0000-000000000000 does not exist', 'unknown work order: P0002');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', NULL, 1, false)$$,
                 '22004', 'model, cost, success and metadata must not be NULL', 'NULL model: 22004');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', NULL, false)$$,
                 '22004', 'model, cost, success and metadata must not be NULL', 'NULL cost: 22004');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 1, NULL)$$,
                 '22004', 'model, cost, success and metadata must not be NULL', 'NULL success: 22004');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', '  ', 1, false)$$,
                 '22023', 'model name must not be blank (white space only)', 'blank model: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', repeat('m', 201), 1, false)$$,
                 '22023', 'model name must be at most 200 characters, got 201', 'huge model name: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 'NaN', false)$$,
                 '22023', 'cost must be a number from 0 to 999999999, got NaN', 'NaN cost: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 'Infinity', false)$$,
                 '22023', 'cost must be a number from 0 to 999999999, got Infinity', 'Infinity cost: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', -0.01, false)$$,
                 '22023', 'cost must be a number from 0 to 999999999, got -0.01', 'negative cost: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 1e12, false)$$,
                 '22023', 'cost must be a number from 0 to 999999999, got 1000000000000', 'huge cost: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 1, false, -5)$$,
                 '22023', 'execution time must not be negative, got -5', 'negative execution time: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 1, false, 5, NULL, '[1]')$$,
                 '22023', 'metadata must be a JSON object, got array', 'metadata array: 22023');
SELECT throws_ok($$SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'm', 1, false, 5, NULL, '{"error_message": {"a": 1}}')$$,
                 '22023', 'metadata.error_message must be a string', 'error_message not a string: 22023');
SELECT is((SELECT count(*)::int FROM outcome_vectors), 0, 'bad input wrote no outcome vector');
SELECT is((SELECT refinement_attempts FROM work_orders WHERE id = '20000000-0000-0000-0000-000000000001'), 0, 'bad input counted no attempt');

-- counting
SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'gpt-4o-mini', 0.25, false, 1200, 'complexity 0.4',
                      jsonb_build_object('error_message', 'tests failed', 'error_details', jsonb_build_object('type', 'AssertionError'),
                                         'refinement_metadata', jsonb_build_object('cycle', i)))
FROM generate_series(1, 3) AS i;
SELECT record_outcome('20000000-0000-0000-0000-000000000001', 'gpt-4o-mini', 0.10, true);
SELECT is((SELECT refinement_attempts FROM work_orders WHERE id = '20000000-0000-0000-0000-000000000001'), 3,
          'three failures are three refinement attempts; a success adds none');
SELECT is((SELECT count(*)::int FROM escalations), 0, 'three attempts (the maximum) open nothing');

SELECT is(record_outcome('20000000-0000-0000-0000-000000000001', 'gpt-4o-mini', 0.30, false, NULL, NULL,
                         '{"error_message": "tests failed"}') ->> 'work_order_status',
          'blocked', 'the fourth failure blocks the work order');
SELECT results_eq($$SELECT trigger_type, status, priority FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000001'$$,
                  $$VALUES ('retry_exhausted'::text, 'pending'::text, 'medium'::text)$$,
                  'the fourth failure opens one retry_exhausted escalation');
SELECT is((SELECT (context ->> 'attempts')::int FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000001'), 4,
          'the escalation context says how many attempts');
SELECT is((SELECT (context ->> 'cost_spent')::numeric FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000001'), 1.15,
          'the escalation context says the cost spent');
SELECT is((SELECT metadata ->> 'blocked_from' FROM work_orders WHERE id = '20000000-0000-0000-0000-000000000001'), 'in_progress',
          'the work order remembers where it was blocked from');

-- a direct INSERT counts too (trigger outcome_vectors_count_attempts), and does not stack escalations
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success) VALUES ('20000000-0000-0000-0000-000000000001', 'gpt-4o-mini', 0.2, false);
SELECT is((SELECT refinement_attempts FROM work_orders WHERE id = '20000000-0000-0000-0000-000000000001'), 5, 'a direct INSERT is counted');
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000001'), 1,
          'still one open retry_exhausted escalation');

-- the runbook's investigation queries (3.1 type 1) read what was written
SELECT is((SELECT count(*)::int FROM (SELECT metadata->'refinement_metadata' as refinement_history
                                      FROM outcome_vectors WHERE work_order_id = '20000000-0000-0000-0000-000000000001'
                                      ORDER BY created_at DESC) AS q WHERE refinement_history IS NOT NULL), 3,
          'runbook: refinement_metadata of each attempt');
SELECT is((SELECT count(*)::int FROM (SELECT metadata->'error_details' as errors FROM outcome_vectors
                                      WHERE work_order_id = '20000000-0000-0000-0000-000000000001' AND success = false) AS q
           WHERE errors ->> 'type' = 'AssertionError'), 3, 'runbook: error_details of failed attempts');

-- the maximum is config
SELECT update_config('max_refinement_attempts', '1');
SELECT record_outcome('20000000-0000-0000-0000-000000000002', 'claude-sonnet-4.5', 1, false);
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000002'), 0, 'max 1: one failure is fine');
SELECT record_outcome('20000000-0000-0000-0000-000000000002', 'claude-sonnet-4.5', 1, false);
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '20000000-0000-0000-0000-000000000002'), 1,
          'max 1: the second failure escalates');

-- roles
SELECT is(test_helpers.as_role('authenticated', $$SELECT record_outcome('20000000-0000-0000-0000-000000000002', 'm', 1, true)$$),
          'ERROR 42501', 'authenticated may not record outcomes');
SELECT isnt(test_helpers.as_role('service_role', $$SELECT record_outcome('20000000-0000-0000-0000-000000000002', 'm', 1, true) ->> 'outcome_vector_id'$$),
            'ERROR 42501', 'service_role records outcomes');

SELECT * FROM finish();
ROLLBACK;
