-- set_job_enabled (audited; enabling clears a failure streak) and runner_heartbeat (runners
-- seen alive or stopping), with bad input and roles.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(14);

DELETE FROM public.jobs WHERE name <> 'retention';
UPDATE public.jobs SET consecutive_failures = 3, failing_since = now(), next_run_at = now() + interval '1 hour'
WHERE name = 'retention';
SELECT is(public.set_job_enabled('retention', false) ->> 'enabled', 'false', 'a job can be disabled');
SELECT is((SELECT action FROM public.audit_log ORDER BY id DESC LIMIT 1), 'job.disable', 'disabling is audited');
SELECT is(public.claim_job('r1', now() + interval '2 days'), NULL, 'a disabled job is never claimed by the scheduler');
SELECT is(public.set_job_enabled('retention', true) ->> 'enabled', 'true', 'and enabled again');
SELECT ok((SELECT next_run_at <= now() AND consecutive_failures = 0 AND failing_since IS NULL
           FROM public.jobs WHERE name = 'retention'), 'enabling makes it due now and clears the failure streak');
SELECT throws_ok($$SELECT public.set_job_enabled('nope', true)$$, 'P0002', 'unknown job ''nope''', 'unknown job: P0002');
SELECT throws_ok($$SELECT public.set_job_enabled('retention', NULL)$$, '22004', 'job name and enabled must not be NULL',
                 'NULL enabled: 22004');
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.set_job_enabled('retention', false)$$,
                 '42501', 'permission denied for function set_job_enabled', 'authenticated may not switch jobs');

SELECT is(public.runner_heartbeat('host:1', '{"pid": 1}', false, '2030-01-01Z') ->> 'last_seen_at',
          '2030-01-01T00:00:00+00:00', 'a runner is registered');
SELECT public.runner_heartbeat('host:1', '{"version": "x"}', true, '2030-01-01 00:05Z');
SELECT is((SELECT details::text || ' ' || stopped_at::text FROM public.runners WHERE holder = 'host:1'),
          '{"pid": 1, "version": "x"} 2030-01-01 00:05:00+00', 'details merge and a stop is recorded');
SELECT throws_ok($$SELECT public.runner_heartbeat('host:1', '[]')$$, '22023', 'runner details must be a JSON object, got array',
                 'details must be an object');
SELECT throws_ok($$SELECT public.runner_heartbeat(NULL)$$, '22004', 'the runner name (holder) must not be NULL',
                 'NULL holder: 22004');
SELECT throws_ok($$SELECT public.runner_heartbeat('host:1', '[]', NULL)$$, '22004', 'p_stopping must not be NULL',
                 'NULL p_stopping is 22004 whatever the details');
SELECT lives_ok($$SET LOCAL ROLE moose_runner; SELECT public.runner_heartbeat('host:2'); RESET ROLE$$,
                'the runner role may register itself');

SELECT * FROM finish();
ROLLBACK;
