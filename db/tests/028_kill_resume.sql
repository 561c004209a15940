-- emergency_kill and resume_operations: runbook 5.1 in one transaction, idempotent, undone
-- exactly by the resume; the limit is never touched.
BEGIN;
SELECT plan(35);

INSERT INTO public.work_orders (id, title, status) VALUES
    ('00000000-0000-0000-0000-000000000001', 'pending one', 'pending'),
    ('00000000-0000-0000-0000-000000000002', 'approved one', 'approved'),
    ('00000000-0000-0000-0000-000000000003', 'running one', 'in_progress'),
    ('00000000-0000-0000-0000-000000000004', 'paused by a human', 'paused');
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 42);
CREATE TEMP TABLE res AS
SELECT (public.check_and_reserve_budget(3, 'coder') ->> 'reservationId')::uuid AS a,
       (public.check_and_reserve_budget(2, 'coder') ->> 'reservationId')::uuid AS b;

SELECT throws_ok($$SELECT public.emergency_kill(NULL)$$, '22004', 'the kill reason must not be NULL', 'kill: reason NULL');
SELECT throws_ok($$SELECT public.emergency_kill('  ')$$, '22023', 'the kill reason must not be blank (white space only)',
                 'kill: reason empty');
SELECT throws_ok($$SELECT public.emergency_kill(repeat('x', 1001))$$,
                 '22023', 'the kill reason must be at most 1000 characters, got 1001', 'kill: reason too long');
SELECT is((SELECT active FROM public.budget_kill_switch), false, 'a refused kill wrote nothing');

SET LOCAL request.jwt.claims = '{"sub": "oncall@example.com", "role": "service_role"}';
CREATE TEMP TABLE k1 AS SELECT public.emergency_kill('retry storm on WO 17') AS k;
RESET request.jwt.claims;

SELECT is((SELECT k ->> 'alreadyActive' FROM k1), 'false', 'the first kill acts');
SELECT is((SELECT active FROM public.budget_kill_switch), true, 'the kill switch is on');
SELECT is((SELECT status FROM public.orchestrator_state), 'stopped', 'the orchestrator is stopped');
SELECT is((SELECT count(*)::int FROM public.budget_ledger
           WHERE budget_day BETWEEN private.budget_day(now()) - 1 AND private.budget_day(now()) + 1 AND killed), 3,
          'yesterday''s, today''s and tomorrow''s ledger rows are marked killed (midnight races)');
SELECT results_eq($$SELECT id::text, status FROM public.work_orders ORDER BY id$$,
    $$VALUES ('00000000-0000-0000-0000-000000000001', 'paused'), ('00000000-0000-0000-0000-000000000002', 'paused'),
             ('00000000-0000-0000-0000-000000000003', 'in_progress'), ('00000000-0000-0000-0000-000000000004', 'paused')$$,
    'pending and approved work orders are paused; others untouched');
SELECT ok((SELECT bool_and((metadata ->> 'emergency_pause')::boolean AND metadata ? 'paused_at') FROM public.work_orders
           WHERE id IN ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002')),
          'paused orders carry {"emergency_pause": true, "paused_at": ...}');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE status = 'cancelled'), 2, 'open reservations are cancelled');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 0::numeric(16, 6),
          'their amounts are freed');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'budget_critical' AND work_order_id IS NULL), 1,
          'one budget_critical escalation');
SELECT is((SELECT row(context ->> 'daily_total', context ->> 'limit')::text FROM public.escalations
           WHERE trigger_type = 'budget_critical'), '(42.000000,100)', 'with daily_total and limit in its context');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE kind = 'budget.emergency_kill'), 1, 'an alert');
SELECT is((SELECT actor FROM public.audit_log WHERE action = 'budget.emergency_kill'), 'oncall@example.com',
          'an audit row naming the actor (JWT sub)');
SELECT is((SELECT details ->> 'reason' FROM public.audit_log WHERE action = 'budget.emergency_kill'), 'retry storm on WO 17',
          'and why');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '100'::jsonb, 'the limit is untouched');

-- While killed.
SELECT is(public.check_and_reserve_budget(0.01, 'coder') ->> 'reason', 'kill_switch', 'every reservation is refused');
SELECT is(public.settle_reservation((SELECT a FROM res), 2.9) ->> 'wasCancelled', 'true',
          'a call in flight when the kill hit still records its real cost');
SELECT is((public.emergency_kill('again') ->> 'alreadyActive'), 'true', 'a second kill changes nothing');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.emergency_kill'), 1, 'no second audit row');
SELECT is(private.budget_kill('direct', true) ->> 'alreadyActive', 'true', 'private.budget_kill is idempotent too');
SELECT is((public.budget_status() -> 'kill_switch' ->> 'active'), 'true', 'budget_status shows the kill');

-- A human changes one paused order meanwhile; resume must leave it.
UPDATE public.work_orders SET status = 'cancelled' WHERE id = '00000000-0000-0000-0000-000000000002';

SELECT throws_ok($$SELECT public.resume_operations(NULL)$$, '22004', 'the resume note must not be NULL', 'resume: note NULL');
SELECT throws_ok($$SELECT public.resume_operations('')$$, '22023', 'the resume note must not be blank (white space only)',
                 'resume: note empty');
CREATE TEMP TABLE r1 AS SELECT public.resume_operations('retry loop fixed') AS r;
SELECT is((SELECT r ->> 'resumed' FROM r1), 'true', 'resume acts');
SELECT results_eq($$SELECT id::text, status FROM public.work_orders ORDER BY id$$,
    $$VALUES ('00000000-0000-0000-0000-000000000001', 'pending'), ('00000000-0000-0000-0000-000000000002', 'cancelled'),
             ('00000000-0000-0000-0000-000000000003', 'in_progress'), ('00000000-0000-0000-0000-000000000004', 'paused')$$,
    'only the orders the kill paused (and still paused) return to their status');
SELECT is((SELECT metadata ? 'emergency_pause' FROM public.work_orders WHERE id = '00000000-0000-0000-0000-000000000001'),
          false, 'the pause marks are removed');
SELECT is((SELECT status FROM public.orchestrator_state), 'running', 'the orchestrator runs again');
SELECT is(public.check_and_reserve_budget(0.01, 'coder') ->> 'canProceed', 'true', 'reservations are admitted again');
SELECT is((SELECT count(*)::int FROM public.budget_ledger WHERE killed), 0, 'no ledger row stays killed');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.resume_operations'), 1, 'the resume is audited');
SELECT is(public.resume_operations('again') ->> 'resumed', 'false', 'a second resume changes nothing');

-- An orchestrator someone else stopped before the kill stays stopped.
UPDATE public.orchestrator_state SET status = 'stopped', stopped_reason = 'maintenance';
SELECT public.emergency_kill('second incident');
SELECT public.resume_operations('done');
SELECT is((SELECT row(status, stopped_reason)::text FROM public.orchestrator_state), '(stopped,maintenance)',
          'resume restarts the orchestrator only if the kill stopped it');

SELECT * FROM finish();
ROLLBACK;
