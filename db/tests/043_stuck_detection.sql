-- Stuck detection: find_stuck_work_orders (the one definition), escalate_stuck_work_orders (one
-- escalation and alert per stuck episode; rerun opens nothing; a work order that moves and stalls
-- again is a new episode), and the partial index that keeps it an index scan.
BEGIN;
SELECT plan(20);

-- backdated as inserted (the touch trigger fires on UPDATE only)
INSERT INTO work_orders (id, title, status, updated_at) VALUES
    ('40000000-0000-0000-0000-000000000001', 'pending 3h', 'pending', now() - interval '3 hours'),
    ('40000000-0000-0000-0000-000000000002', 'pending 1h', 'pending', now() - interval '1 hour'),
    ('40000000-0000-0000-0000-000000000003', 'running 30h', 'in_progress', now() - interval '30 hours'),
    ('40000000-0000-0000-0000-000000000004', 'running 10h', 'in_progress', now() - interval '10 hours'),
    ('40000000-0000-0000-0000-000000000005', 'paused 50h', 'paused', now() - interval '50 hours'),
    ('40000000-0000-0000-0000-000000000006', 'done 50h', 'completed', now() - interval '50 hours');

SELECT set_eq($$SELECT work_order_id FROM find_stuck_work_orders()$$,
              $$VALUES ('40000000-0000-0000-0000-000000000001'::uuid), ('40000000-0000-0000-0000-000000000003'::uuid)$$,
              'stuck: pending over 2 h and in progress over 24 h, nothing else');
SELECT is((SELECT round(extract(epoch FROM stuck_for) / 3600) FROM find_stuck_work_orders()
           WHERE work_order_id = '40000000-0000-0000-0000-000000000003'), 30::numeric, 'stuck_for is the time since updated_at');
SELECT is((SELECT threshold FROM find_stuck_work_orders() WHERE work_order_id = '40000000-0000-0000-0000-000000000001'),
          interval '2 hours', 'the pending threshold comes from config');

SELECT is(escalate_stuck_work_orders(), 2, 'detection opens two episodes');
SELECT is((SELECT count(*)::int FROM escalations WHERE trigger_type = 'stuck_work_order'), 2, 'two stuck_work_order escalations');
SELECT is((SELECT count(*)::int FROM alerts WHERE kind = 'work_order.stuck'), 2, 'two work_order.stuck alerts');
SELECT is((SELECT count(*)::int FROM work_order_stuck_episodes WHERE escalation_id IS NOT NULL), 2, 'episodes point at their escalation');
SELECT is((SELECT context ->> 'status' FROM escalations WHERE work_order_id = '40000000-0000-0000-0000-000000000003'),
          'in_progress', 'the escalation context says which status stalled');

SELECT is(escalate_stuck_work_orders(), 0, 'running again opens nothing');
SELECT is((SELECT count(*)::int FROM escalations WHERE trigger_type = 'stuck_work_order'), 2, 'still two escalations');
SELECT is((SELECT count(*)::int FROM alerts WHERE kind = 'work_order.stuck'), 2, 'still two alerts');

-- the work order moves (updated_at moves), its escalation is decided, and it stalls again: a new episode
SELECT resolve_escalation((SELECT id FROM escalations WHERE work_order_id = '40000000-0000-0000-0000-000000000001'), 'requeue');
SELECT is((SELECT count(*)::int FROM find_stuck_work_orders() WHERE work_order_id = '40000000-0000-0000-0000-000000000001'), 0,
          'a requeued work order is not stuck');
UPDATE work_orders SET updated_at = now() - interval '5 hours' WHERE id = '40000000-0000-0000-0000-000000000001';
SELECT is(escalate_stuck_work_orders(), 1, 'stalling again is a new episode');
SELECT is((SELECT count(*)::int FROM work_order_stuck_episodes WHERE work_order_id = '40000000-0000-0000-0000-000000000001'), 2,
          'two episodes for that work order');
SELECT is((SELECT count(*)::int FROM escalations WHERE work_order_id = '40000000-0000-0000-0000-000000000001' AND status = 'pending'), 1,
          'with a new open escalation');

-- thresholds are config
SELECT update_config('stuck_in_progress_after', '"8 hours"');
SELECT is(escalate_stuck_work_orders(), 1, 'a lower in-progress threshold catches the 10 h one');

-- the plan: an index range scan on the partial index, not a sequential scan
INSERT INTO work_orders (title, status) SELECT 'done ' || i, 'completed' FROM generate_series(1, 3000) AS i;
ANALYZE work_orders;
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_line text; v_plan text := '';
BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN ' || p_sql LOOP v_plan := v_plan || v_line || E'\n'; END LOOP;
    RETURN v_plan;
END $$;
SELECT matches(pg_temp.plan_of($$SELECT id FROM work_orders WHERE status = 'pending' AND updated_at < now() - interval '2 hours'$$),
               'work_orders_stuck_candidates_idx', 'the pending branch uses the partial index');
SELECT doesnt_match(pg_temp.plan_of($$SELECT id FROM work_orders WHERE status = 'in_progress' AND updated_at < now() - interval '24 hours'$$),
                    'Seq Scan', 'the in-progress branch does not scan the table');

SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM find_stuck_work_orders()$$), '3',
          'authenticated may list stuck work orders');
SELECT is(test_helpers.as_role('authenticated', $$SELECT escalate_stuck_work_orders()$$), 'ERROR 42501',
          'authenticated may not run detection');

SELECT * FROM finish();
ROLLBACK;
