-- The work-order state machine: triggers work_orders_status_guard (legal transitions only,
-- 55000 with the legal targets in the HINT) and work_orders_status_history (history row with
-- actor and reason), the transition data, and set_work_order_status / private.write_work_order_status.
BEGIN;
SELECT plan(29);

INSERT INTO work_orders (id, title, status) VALUES
    ('10000000-0000-0000-0000-000000000001', 'a', 'pending'),
    ('10000000-0000-0000-0000-000000000002', 'b', 'completed'),
    ('10000000-0000-0000-0000-000000000003', 'c', 'cancelled'),
    ('10000000-0000-0000-0000-000000000004', 'd', 'approved');

SELECT is((SELECT count(*)::int FROM work_order_history WHERE work_order_id::text LIKE '10000000-%' AND from_status IS NULL),
          4, 'an insert writes a history row from NULL');

-- legal moves, including the ones emergency_kill and resume_operations make
UPDATE work_orders SET status_changed_at = now() - interval '1 day' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT lives_ok($$UPDATE work_orders SET status = 'in_progress' WHERE id = '10000000-0000-0000-0000-000000000001'$$,
                'pending -> in_progress is legal');
SELECT ok((SELECT status_changed_at > now() - interval '1 minute' FROM work_orders WHERE id = '10000000-0000-0000-0000-000000000001'),
          'a legal transition stamps status_changed_at');
SELECT lives_ok($$UPDATE work_orders SET status = 'paused' WHERE id = '10000000-0000-0000-0000-000000000004'$$,
                'approved -> paused is legal (emergency_kill)');
SELECT lives_ok($$UPDATE work_orders SET status = 'approved' WHERE id = '10000000-0000-0000-0000-000000000004'$$,
                'paused -> approved is legal (resume_operations)');
SELECT ok(EXISTS (SELECT 1 FROM work_order_transitions WHERE from_status = 'pending' AND to_status = 'paused')
          AND EXISTS (SELECT 1 FROM work_order_transitions WHERE from_status = 'paused' AND to_status = 'pending'),
          'pending <-> paused is in the transition table');

-- illegal moves
SELECT throws_ok($$UPDATE work_orders SET status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000002'$$,
                 '55000', 'illegal work order transition completed -> pending (work order 10000000-0000-0000-0000-000000000002)',
                 'completed -> pending is refused with 55000');
SELECT is(test_helpers.hint_of($$UPDATE work_orders SET status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000002'$$),
          'From completed the legal targets are: blocked, needs_review.', 'the HINT lists the legal targets');
SELECT throws_ok($$UPDATE work_orders SET status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000003'$$,
                 '55000', 'illegal work order transition cancelled -> pending (work order 10000000-0000-0000-0000-000000000003)',
                 'cancelled -> pending is refused');
SELECT is(test_helpers.hint_of($$UPDATE work_orders SET status = 'in_progress' WHERE id = '10000000-0000-0000-0000-000000000003'$$),
          'cancelled is final: no transition leaves it.', 'a final status says so');
SELECT throws_ok($$UPDATE work_orders SET status = 'bogus' WHERE id = '10000000-0000-0000-0000-000000000001'$$,
                 '55000', 'illegal work order transition in_progress -> bogus (work order 10000000-0000-0000-0000-000000000001)',
                 'an unknown status is refused (no transition leads to it)');
SELECT is((SELECT status FROM work_orders WHERE id = '10000000-0000-0000-0000-000000000002'), 'completed',
          'a refused transition changed nothing');

-- same status: no history
SELECT is((SELECT count(*)::int FROM work_order_history WHERE work_order_id = '10000000-0000-0000-0000-000000000001'), 2,
          'two history rows so far for work order a');
UPDATE work_orders SET title = 'a2' WHERE id = '10000000-0000-0000-0000-000000000001';
UPDATE work_orders SET status = 'in_progress' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT is((SELECT count(*)::int FROM work_order_history WHERE work_order_id = '10000000-0000-0000-0000-000000000001'), 2,
          'an update that keeps the status writes no history row');

-- actor from the JWT sub, reason from set_work_order_status
SELECT is(test_helpers.as_role('service_role',
              $$SELECT set_work_order_status('10000000-0000-0000-0000-000000000001', 'needs_review', 'PR opened') ->> 'from_status'$$,
              '{"sub": "orchestrator-7", "role": "service_role"}'),
          'in_progress', 'set_work_order_status returns the old status');
SELECT results_eq(
    $$SELECT from_status, to_status, actor, reason FROM work_order_history
      WHERE work_order_id = '10000000-0000-0000-0000-000000000001' ORDER BY id DESC LIMIT 1$$,
    $$VALUES ('in_progress'::text, 'needs_review'::text, 'orchestrator-7'::text, 'PR opened'::text)$$,
    'history records from, to, the JWT sub as actor and the reason');
SELECT is(current_setting('moose.status_reason', true), '', 'the reason setting is cleared after the change');

SELECT is(test_helpers.as_role('service_role',
              $$UPDATE work_orders SET status = 'completed' WHERE id = '10000000-0000-0000-0000-000000000001' RETURNING status$$),
          'completed', 'service_role may update work orders directly');
SELECT is((SELECT actor FROM work_order_history WHERE work_order_id = '10000000-0000-0000-0000-000000000001' ORDER BY id DESC LIMIT 1),
          'service_role', 'a direct UPDATE without claims records the role');

-- bad input to set_work_order_status
SELECT throws_ok($$SELECT set_work_order_status(NULL, 'pending')$$, '22004', 'work order id and status must not be NULL',
                 'NULL id: 22004');
SELECT throws_ok($$SELECT set_work_order_status('10000000-0000-0000-0000-000000000004', NULL)$$,
                 '22004', 'work order id and status must not be NULL', 'NULL status: 22004');
SELECT throws_ok($$SELECT set_work_order_status('10000000-0000-0000-0000-000000000004', 'done')$$,
                 '22023', 'unknown work order status ''done''', 'unknown status: 22023');
SELECT throws_ok($$SELECT set_work_order_status('99999999-0000-0000-0000-000000000000', 'pending')$$,
                 'P0002', 'work order 99999999-0000-0000-0000-000000000000 does not exist', 'unknown work order: P0002');
SELECT throws_ok($$SELECT set_work_order_status('10000000-0000-0000-0000-000000000004', 'pending', repeat('x', 1001))$$,
                 '22023', 'reason must be at most 1000 characters, got 1001', 'a reason over 1000 characters: 22023');
SELECT throws_ok($$SELECT private.write_work_order_status('10000000-0000-0000-0000-000000000002', 'failed', 'x')$$,
                 '55000', 'illegal work order transition completed -> failed (work order 10000000-0000-0000-0000-000000000002)',
                 'private.write_work_order_status is held to the state machine too');

-- roles
SELECT is(test_helpers.as_role('authenticated', $$SELECT set_work_order_status('10000000-0000-0000-0000-000000000004', 'pending')$$),
          'ERROR 42501', 'authenticated may not move work orders');
SELECT is(test_helpers.as_role('authenticated', $$UPDATE work_orders SET status = 'pending' WHERE id = '10000000-0000-0000-0000-000000000004'$$),
          'ERROR 42501', 'authenticated may not update work orders directly');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM work_order_history$$), 'ERROR 42501', 'anon cannot read the history');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM work_order_history WHERE work_order_id::text LIKE '10000000-%'$$),
          '9', 'authenticated reads the history');

SELECT * FROM finish();
ROLLBACK;
