-- close_recovered_stuck_escalations: a stuck_work_order escalation whose work order left the
-- status it was stuck in is dismissed automatically (reason, audit row), so its SLA does not
-- page; one still stuck, or already decided, is left alone; check_escalation_slas runs it first.
BEGIN;
SELECT plan(14);

INSERT INTO work_orders (id, title, status) VALUES
    ('51000000-0000-0000-0000-00000000000a', 'moves on', 'pending'),
    ('51000000-0000-0000-0000-00000000000b', 'still stuck', 'in_progress'),
    ('51000000-0000-0000-0000-00000000000c', 'acknowledged, then cancelled', 'pending'),
    ('51000000-0000-0000-0000-00000000000d', 'decided by a human', 'pending');
UPDATE work_orders SET updated_at = now() - CASE status WHEN 'pending' THEN interval '3 hours' ELSE interval '30 hours' END
WHERE id::text LIKE '51000000-%';
SELECT is(escalate_stuck_work_orders(), 4, 'four stuck episodes, four escalations');
CREATE TEMP TABLE esc AS
SELECT right(work_order_id::text, 1) AS wo, id FROM escalations WHERE trigger_type = 'stuck_work_order';

SELECT set_work_order_status('51000000-0000-0000-0000-00000000000a', 'approved', 'approved at last');
SELECT acknowledge_escalation((SELECT id FROM esc WHERE wo = 'c'), 'looking');
SELECT set_work_order_status('51000000-0000-0000-0000-00000000000c', 'cancelled', 'not needed');
SELECT resolve_escalation((SELECT id FROM esc WHERE wo = 'd'), 'requeue');

SELECT is(close_recovered_stuck_escalations(), 2, 'two work orders left the status they were stuck in');
SELECT is((SELECT status FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'a')), 'dismissed',
          'the moved-on one is dismissed');
SELECT is((SELECT resolution - 'episode_id' FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'a')),
          '{"dismissed": "work order recovered", "automatic": true, "stuck_status": "pending", "status_now": "approved"}'::jsonb,
          'with the reason and both statuses in its resolution');
SELECT is((SELECT resolved_by FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'a')), 'moose (work order recovered)',
          'closed by the system, not by a person');
SELECT is((SELECT status FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'c')), 'dismissed',
          'an acknowledged one is closed too');
SELECT is((SELECT status FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'b')), 'pending',
          'one still stuck stays open');
SELECT is((SELECT status || '/' || decision_option FROM escalations WHERE id = (SELECT id FROM esc WHERE wo = 'd')),
          'resolved/requeue', 'a human decision is left as it was');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'escalation.auto_dismissed'), 2, 'each closing is audited');
SELECT is(close_recovered_stuck_escalations(), 0, 'running again closes nothing');

-- check_escalation_slas closes recovered ones before it looks at deadlines.
INSERT INTO work_orders (id, title, status) VALUES ('51000000-0000-0000-0000-00000000000e', 'recovers late', 'pending');
UPDATE work_orders SET updated_at = now() - interval '3 hours' WHERE id = '51000000-0000-0000-0000-00000000000e';
SELECT is(escalate_stuck_work_orders(), 1, 'one more episode');
UPDATE escalations SET sla_due_at = now() - interval '1 minute' WHERE status IN ('pending', 'acknowledged');
SELECT set_work_order_status('51000000-0000-0000-0000-00000000000e', 'in_progress', 'picked up');
SELECT is(check_escalation_slas(), 1, 'only the escalation whose work order is still stuck pages');
SELECT is((SELECT status FROM escalations WHERE work_order_id = '51000000-0000-0000-0000-00000000000e'), 'dismissed',
          'the recovered one was closed instead');

SELECT is(test_helpers.as_role('authenticated', $$SELECT close_recovered_stuck_escalations()$$), 'ERROR 42501',
          'authenticated may not run it');

SELECT * FROM finish();
ROLLBACK;
