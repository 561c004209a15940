-- claim_job: the due job with a lease, SKIP LOCKED, expired leases reaped (abandoned runs),
-- manual claims, bad input; private.scheduler_now and private.check_holder along the way.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(20);

DELETE FROM public.jobs;
CREATE FUNCTION public.t_count_now(p_now timestamptz) RETURNS integer LANGUAGE sql AS $$ SELECT 7 $$;
GRANT EXECUTE ON FUNCTION public.t_count_now(timestamptz) TO moose_runner;
INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, next_run_at) VALUES
    ('early', 'public.t_count_now', '5 minutes', '10 seconds', '2030-01-01 00:00Z'),
    ('later', 'public.t_count_now', '1 minute', '10 seconds', '2030-01-01 00:03Z'),
    ('off',   'public.t_count_now', '1 minute', '10 seconds', '2029-01-01 00:00Z');
UPDATE public.jobs SET enabled = false WHERE name = 'off';

SELECT is(public.claim_job('r1', '2029-12-31 23:59Z'), NULL, 'nothing is due before the first next_run_at (disabled jobs never are)');
SELECT is(public.claim_job('r1', '2030-01-01 00:05Z') ->> 'job', 'early', 'the most overdue enabled job is claimed first');
SELECT is((SELECT holder || ' ' || expires_at::text FROM public.job_leases WHERE job_name = 'early'),
          'r1 2030-01-01 00:05:40+00', 'the lease names the holder and lasts timeout + job_lease_grace');
SELECT is((SELECT outcome FROM public.job_runs WHERE job_name = 'early'), 'running', 'a running job_runs row is written');
SELECT is(public.claim_job('r2', '2030-01-01 00:05Z') ->> 'job', 'later', 'a leased job is skipped; the next due one is claimed');
SELECT is(public.claim_job('r3', '2030-01-01 00:05Z'), NULL, 'nothing left while both leases are live');
SELECT is(public.claim_job('r3', '2030-01-01 00:06Z') ->> 'job', 'early', 'an expired lease is taken over');
SELECT is((SELECT outcome FROM public.job_runs WHERE job_name = 'early' ORDER BY id LIMIT 1), 'abandoned',
          'the dead holder''s run is marked abandoned');
SELECT ok((SELECT error FROM public.job_runs WHERE job_name = 'early' ORDER BY id LIMIT 1) LIKE 'lease held by r1 expired%',
          'the abandoned run says whose lease expired');
SELECT is((SELECT holder FROM public.job_leases WHERE job_name = 'early'), 'r3', 'the new lease is r3''s');
SELECT throws_ok($$SELECT public.claim_job('r4', '2030-01-01 00:06Z', 'early')$$, '55000',
                 'job early is running on r3', 'a manual claim of a leased job is refused');
SELECT is(public.claim_job('r4', '2030-01-01 00:06Z', 'off') ->> 'job', 'off', 'a manual claim works on a disabled job');
SELECT throws_ok($$SELECT public.claim_job('r4', NULL, 'nope')$$, 'P0002', 'unknown job ''nope''', 'unknown job name: P0002');
SELECT throws_ok($$SELECT public.claim_job(NULL)$$, '22004', 'the runner name (holder) must not be NULL', 'NULL holder: 22004');
SELECT throws_ok($$SELECT public.claim_job('')$$,
                 '22023', 'the runner name must be 1 to 200 printable characters, got 0 characters', 'empty holder: 22023');
SELECT throws_ok($$SELECT public.claim_job(repeat('x', 201))$$,
                 '22023', 'the runner name must be 1 to 200 printable characters, got 201 characters', 'huge holder: 22023');
SELECT throws_ok($$SELECT public.claim_job('r1', 'infinity')$$,
                 '22023', 'the scheduler clock must be a finite instant, got infinity', 'infinite clock: 22023');
SELECT ok(private.scheduler_now(NULL) = now() AND private.scheduler_now('2030-01-01Z') = '2030-01-01Z',
          'private.scheduler_now: the given instant, else now()');
SELECT is(private.check_holder('host:1'), 'host:1', 'private.check_holder passes a good name through');

SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.claim_job('r9')$$,
                 '42501', 'permission denied for function claim_job', 'authenticated may not claim jobs');

SELECT * FROM finish();
ROLLBACK;
