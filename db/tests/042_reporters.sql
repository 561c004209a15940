-- The reporters other apps call: report_test_run (Sentinel; more than max_test_failure_cycles
-- consecutive failing runs open test_failures), report_contract_violation and
-- report_aider_failure (open at once), with private.check_work_order and
-- private.block_work_order holding the work order for the decision; details land where the
-- runbook's investigation queries read them.
BEGIN;
SELECT plan(36);

INSERT INTO work_orders (id, title, status) VALUES
    ('30000000-0000-0000-0000-000000000001', 'tests', 'in_progress'),
    ('30000000-0000-0000-0000-000000000002', 'contract', 'needs_review'),
    ('30000000-0000-0000-0000-000000000003', 'aider', 'in_progress'),
    ('30000000-0000-0000-0000-000000000004', 'no attempt', 'in_progress'),
    ('30000000-0000-0000-0000-000000000005', 'cancelled', 'cancelled');
INSERT INTO contracts (id, name, version) VALUES ('30000000-0000-0000-0000-0000000000c1', 'billing-api', '2.1.0');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
VALUES ('30000000-0000-0000-0000-000000000002', 'gpt-4o-mini', 0.5, true),
       ('30000000-0000-0000-0000-000000000002', 'gpt-4o-mini', 0.5, true);

-- private.check_work_order
SELECT throws_ok($$SELECT private.check_work_order(NULL)$$, '22004', 'work order id must not be NULL',
                 'check_work_order: NULL is 22004');
SELECT throws_ok($$SELECT private.check_work_order('99999999-0000-0000-0000-000000000000')$$,
                 'P0002', 'work order 99999999-0000-0000-0000-000000000000 does not exist', 'check_work_order: unknown is P0002');

-- report_test_run
SELECT throws_ok($$SELECT report_test_run('30000000-0000-0000-0000-000000000001', NULL)$$, '22004', 'passed must not be NULL',
                 'test run: NULL passed is 22004');
SELECT throws_ok($$SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, '"x"')$$,
                 '22023', 'details must be a JSON object, got string', 'test run: details must be an object');
SELECT throws_ok($$SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, jsonb_build_object('log', repeat('x', 100001)))$$,
                 '22023', 'details must be at most 100000 characters of JSON', 'test run: huge details are refused');
SELECT throws_ok($$SELECT report_test_run('99999999-0000-0000-0000-000000000000', false)$$,
                 'P0002', 'work order 99999999-0000-0000-0000-000000000000 does not exist', 'test run: unknown work order');
SELECT is((SELECT test_failure_cycles FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000001'), 0, 'bad input counted nothing');

SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, '{"run_id": 1}');
SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, '{"run_id": 2}');
SELECT is((report_test_run('30000000-0000-0000-0000-000000000001', true, '{"run_id": 3}') ->> 'test_failure_cycles')::int, 0,
          'a passing run resets the cycles');
SELECT is((report_test_run('30000000-0000-0000-0000-000000000001', false, '{"run_id": 4}') ->> 'test_failure_cycles')::int, 1,
          'a failing run counts a cycle');
SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, jsonb_build_object('run_id', i)) FROM generate_series(5, 6) AS i;
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '30000000-0000-0000-0000-000000000001'), 0,
          'three failing cycles (the maximum) open nothing');
SELECT isnt(report_test_run('30000000-0000-0000-0000-000000000001', false, '{"run_id": 7, "failed_tests": ["test_pay"]}') ->> 'escalation_id',
            NULL, 'the fourth failing cycle opens test_failures');
SELECT results_eq($$SELECT trigger_type, (context -> 'last_run' ->> 'run_id')::int FROM escalations WHERE work_order_id = '30000000-0000-0000-0000-000000000001'$$,
                  $$VALUES ('test_failures'::text, 7)$$, 'the escalation carries the last run');
SELECT is((SELECT status FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000001'), 'blocked', 'the work order is blocked');
SELECT is((SELECT jsonb_array_length(metadata -> 'test_runs') FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000001'), 7,
          'the runs are kept in metadata.test_runs');
SELECT report_test_run('30000000-0000-0000-0000-000000000001', false, jsonb_build_object('run_id', i)) FROM generate_series(8, 30) AS i;
SELECT is((SELECT jsonb_array_length(metadata -> 'test_runs') FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000001'), 20,
          'only the last 20 runs are kept');
SELECT is((SELECT (metadata -> 'test_runs' -> 19 -> 'details' ->> 'run_id')::int FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000001'), 30,
          'the newest run is last');
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '30000000-0000-0000-0000-000000000001'), 1,
          'more failing runs do not stack escalations');

-- report_contract_violation
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000002', NULL, '{"e": 1}')$$,
                 '22004', 'contract id and violation must not be NULL', 'contract: NULL contract is 22004');
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000002', '99999999-0000-0000-0000-000000000000', '{"e": 1}')$$,
                 'P0002', 'contract 99999999-0000-0000-0000-000000000000 does not exist', 'contract: unknown contract is P0002');
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000002', '30000000-0000-0000-0000-0000000000c1', '{}')$$,
                 '22023', 'violation must not be an empty JSON object', 'contract: empty violation is 22023');
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000002', '30000000-0000-0000-0000-0000000000c1', '[1]')$$,
                 '22023', 'violation must be a JSON object, got array', 'contract: array violation is 22023');
SELECT throws_ok($$SELECT report_contract_violation('99999999-0000-0000-0000-000000000000', '99999999-0000-0000-0000-000000000000', '[1]')$$,
                 '22023', 'violation must be a JSON object, got array',
                 'contract: a bad violation is 22023 before the unknown work order and contract are looked up');
SELECT throws_ok($$SELECT report_contract_violation(NULL, '99999999-0000-0000-0000-000000000000', '[1]')$$,
                 '22004', 'work order id must not be NULL', 'contract: a NULL work order is 22004 whatever the violation');
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000004', '30000000-0000-0000-0000-0000000000c1', '{"e": 1}')$$,
                 '55000', 'work order 30000000-0000-0000-0000-000000000004 has no recorded attempt to attach the violation to',
                 'contract: a work order without an attempt is 55000');
SELECT throws_ok($$SELECT report_contract_violation('30000000-0000-0000-0000-000000000002', '30000000-0000-0000-0000-0000000000c1', '{"e": 1}', -1)$$,
                 'P0002', 'outcome vector -1 does not belong to work order 30000000-0000-0000-0000-000000000002',
                 'contract: an outcome vector of another work order is P0002');
SELECT is((SELECT count(*)::int FROM escalations WHERE trigger_type = 'contract_violation'), 0, 'bad contract reports opened nothing');
SELECT isnt(report_contract_violation('30000000-0000-0000-0000-000000000002', '30000000-0000-0000-0000-0000000000c1',
                                      '{"errors": [{"path": "/invoices", "change": "field total removed"}]}') ->> 'escalation_id',
            NULL, 'a contract violation opens contract_violation at once');
SELECT is((SELECT count(*)::int FROM (SELECT metadata->'contract_validation' as validation_errors FROM outcome_vectors
                                      WHERE work_order_id = '30000000-0000-0000-0000-000000000002') AS q
           WHERE validation_errors -> 'violation' -> 'errors' -> 0 ->> 'change' = 'field total removed'), 1,
          'runbook 3.1 type 4: the latest attempt carries contract_validation');
SELECT is((SELECT status FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000002'), 'blocked', 'the work order is blocked');

-- report_aider_failure
SELECT throws_ok($$SELECT report_aider_failure('30000000-0000-0000-0000-000000000003', NULL)$$,
                 '22004', 'Aider output must not be NULL', 'aider: NULL output is 22004');
SELECT throws_ok($$SELECT report_aider_failure('30000000-0000-0000-0000-000000000003', '')$$,
                 '22023', 'Aider output must not be blank (white space only)', 'aider: empty output is 22023');
SELECT throws_ok($$SELECT report_aider_failure('30000000-0000-0000-0000-000000000003', repeat('x', 100001))$$,
                 '22023', 'Aider output must be at most 100000 characters, got 100001', 'aider: huge output is 22023');
SELECT report_aider_failure('30000000-0000-0000-0000-000000000003', 'CONFLICT (content): Merge conflict in src/app.ts', '{"exit_code": 1}');
SELECT is((SELECT metadata->'aider_output' ->> 'output' FROM work_orders WHERE id = '30000000-0000-0000-0000-000000000003'),
          'CONFLICT (content): Merge conflict in src/app.ts', 'runbook 3.1 type 5: metadata->aider_output holds the output');
SELECT results_eq($$SELECT e.trigger_type, w.status FROM escalations e JOIN work_orders w ON w.id = e.work_order_id
                    WHERE e.work_order_id = '30000000-0000-0000-0000-000000000003'$$,
                  $$VALUES ('aider_failure'::text, 'blocked'::text)$$, 'aider_failure opens at once and blocks');

-- private.block_work_order leaves what cannot be blocked alone
SELECT is(private.block_work_order('30000000-0000-0000-0000-000000000005', NULL, 'x'), false, 'a cancelled work order cannot be blocked');
SELECT is(test_helpers.as_role('authenticated', $$SELECT report_aider_failure('30000000-0000-0000-0000-000000000003', 'x')$$),
          'ERROR 42501', 'authenticated may not report');

SELECT * FROM finish();
ROLLBACK;
