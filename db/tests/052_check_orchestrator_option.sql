-- The stuck_work_order option check_orchestrator restarts the orchestrator (runbook 4.3) in the
-- deciding transaction, audited with the decider; while the kill switch is on it is refused and
-- the decision rolls back.
BEGIN;
SELECT plan(8);

INSERT INTO work_orders (id, title, status) VALUES ('52000000-0000-0000-0000-000000000001', 'waits for a poll', 'pending');
UPDATE work_orders SET updated_at = now() - interval '3 hours' WHERE id = '52000000-0000-0000-0000-000000000001';
SELECT orchestrator_stop('test: not polling');
SELECT is(escalate_stuck_work_orders(), 1, 'the work order is stuck');
CREATE TEMP TABLE esc AS SELECT id FROM escalations WHERE work_order_id = '52000000-0000-0000-0000-000000000001';
SELECT is((SELECT recommendation ->> 'option' FROM escalations WHERE id = (SELECT id FROM esc)), 'check_orchestrator',
          'with the orchestrator stopped, restarting it is the recommendation');

-- Refused while the kill switch is on: nothing changes.
SELECT emergency_kill('test: kill first');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, %L)', (SELECT id FROM esc), 'check_orchestrator', 'poller hung'),
                 '55000', 'the emergency kill switch is on; the orchestrator stays stopped',
                 'while the kill switch is on the restart is refused');
SELECT is((SELECT status FROM escalations WHERE id = (SELECT id FROM esc)), 'pending', 'and the escalation stays open');
SELECT resume_operations('test: resumed');
SELECT orchestrator_stop('test: not polling again');

SELECT set_config('request.jwt.claims', '{"sub": "oncall-7", "role": "authenticated"}', true);
CREATE TEMP TABLE decided AS
SELECT resolve_escalation((SELECT id FROM esc), 'check_orchestrator', 'poller hung after the deploy') AS r;
SELECT set_config('request.jwt.claims', '', true);
SELECT is((SELECT r -> 'effect' ->> 'action' FROM decided), 'start_orchestrator', 'the decision restarts the orchestrator');
SELECT is((SELECT status FROM orchestrator_state), 'running', 'the orchestrator is running again');
SELECT is((SELECT r -> 'effect' -> 'orchestrator' ->> 'status' FROM decided), 'running', 'the decision log says so');
SELECT is((SELECT actor FROM audit_log WHERE action = 'orchestrator.start' ORDER BY id DESC LIMIT 1), 'oncall-7',
          'audited with the decider');

SELECT * FROM finish();
ROLLBACK;
