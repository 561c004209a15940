-- orchestrator_status / orchestrator_start / orchestrator_stop / orchestrator_heartbeat:
-- runbook 4.3's {"status": "running", "interval_ms": 10000}, audited changes, who may do what.
BEGIN;
SELECT plan(17);

SELECT is(public.orchestrator_status() - ARRAY['last_poll_at', 'updated_at', 'updated_by', 'stopped_reason'],
          '{"status": "running", "interval_ms": 10000}'::jsonb, 'the runbook''s shape');
SELECT is(public.orchestrator_stop('deploying a fix') ->> 'status', 'stopped', 'stop');
SELECT is((SELECT stopped_reason FROM public.orchestrator_state), 'deploying a fix', 'the reason is kept');
SELECT is((SELECT action || ' ' || (details ->> 'reason') FROM public.audit_log ORDER BY id DESC LIMIT 1),
          'orchestrator.stop deploying a fix', 'stopping is audited with the reason');
SELECT is(public.orchestrator_heartbeat() ->> 'status', 'stopped', 'the poller learns it must stop');
SELECT ok((SELECT last_poll_at IS NOT NULL FROM public.orchestrator_state), 'the heartbeat stamps last_poll_at');
SELECT is(public.orchestrator_start(5000) - ARRAY['last_poll_at', 'updated_at', 'updated_by', 'stopped_reason'],
          '{"status": "running", "interval_ms": 5000}'::jsonb, 'start with an interval');
SELECT is((public.orchestrator_start() ->> 'interval_ms')::integer, 5000, 'start without one keeps it');
SELECT is((SELECT count(*) FROM public.audit_log WHERE action = 'orchestrator.start'), 2::bigint, 'starts are audited');
SELECT throws_ok($$SELECT public.orchestrator_start(50)$$, '22023', 'interval_ms must be between 100 and 3600000, got 50',
                 'interval below 100 ms: 22023');
SELECT throws_ok($$SELECT public.orchestrator_start(-1)$$, '22023', 'interval_ms must be between 100 and 3600000, got -1',
                 'negative interval: 22023');
SELECT throws_ok($$SELECT public.orchestrator_stop(NULL)$$, '22004', 'the reason to stop the orchestrator must not be NULL',
                 'stop needs a reason');
SELECT throws_ok($$SELECT public.orchestrator_stop('   ')$$,
                 '22023', 'the reason to stop the orchestrator must not be blank (white space only)', 'a blank reason: 22023');
SELECT public.emergency_kill('test kill');
SELECT throws_ok($$SELECT public.orchestrator_start()$$,
                 '55000', 'the emergency kill switch is on; the orchestrator stays stopped',
                 'no start while the kill switch is on');
SELECT public.resume_operations('test over');
SELECT is(public.orchestrator_status() ->> 'status', 'running', 'resume_operations restarts it');
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.orchestrator_stop('x')$$,
                 '42501', 'permission denied for function orchestrator_stop', 'authenticated may read but not stop');
SELECT lives_ok($$SET LOCAL ROLE authenticated; SELECT public.orchestrator_status(); RESET ROLE$$,
                'authenticated reads the status');

SELECT * FROM finish();
ROLLBACK;
