-- execute_job and private.call_job_function: the job's function runs with the scheduler's now,
-- its result and rows are recorded with the run in one transaction, the lease is released and
-- the next run scheduled; a lost lease refuses; what a job may call.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(20);

DELETE FROM public.jobs;
CREATE TABLE public.t_ticks (at timestamptz);
GRANT INSERT, SELECT ON public.t_ticks TO moose_runner;
CREATE FUNCTION public.t_tick(p_now timestamptz) RETURNS jsonb LANGUAGE sql AS
    $$ INSERT INTO public.t_ticks VALUES (p_now); SELECT '{"rows_affected": 3, "note": "ok"}'::jsonb $$;
CREATE FUNCTION public.t_plain() RETURNS bigint LANGUAGE sql AS $$ SELECT 42::bigint $$;
CREATE FUNCTION public.t_void() RETURNS void LANGUAGE sql AS $$ SELECT $$;
CREATE FUNCTION public.t_set() RETURNS SETOF integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION public.t_secret() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE ALL ON FUNCTION public.t_secret() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.t_tick(timestamptz), public.t_plain() TO moose_runner;
INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, next_run_at) VALUES
    ('tick', 'public.t_tick', '5 minutes', '10 seconds', '2030-01-01 00:00Z'),
    ('plain', 'public.t_plain', '1 hour', '10 seconds', '2030-01-01 00:00Z');

SELECT public.claim_job('r1', '2030-01-01 00:01Z', 'tick') ->> 'run_id' AS run \gset
SELECT is(public.execute_job(:run, 'r1', '2030-01-01 00:01Z') ->> 'outcome', 'succeeded', 'the job succeeds');
SELECT is((SELECT at FROM public.t_ticks), '2030-01-01 00:01Z'::timestamptz, 'the function got the scheduler''s now');
SELECT is((SELECT rows_affected FROM public.job_runs WHERE id = :run), 3::bigint, 'rows_affected from the jsonb result');
SELECT is((SELECT result ->> 'note' FROM public.job_runs WHERE id = :run), 'ok', 'the result is kept');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'tick'), '2030-01-01 00:05Z'::timestamptz,
          'the next run is the next slot on the job''s grid');
SELECT is((SELECT count(*) FROM public.job_leases), 0::bigint, 'the lease is released');
SELECT throws_ok(format('SELECT public.execute_job(%s, %L, %L)', :run, 'r1', '2030-01-01 00:02Z'), '55000',
                 format('runner r1 does not hold the lease for job run %s (outcome succeeded)', :run),
                 'a finished run cannot be executed again');

SELECT public.claim_job('r1', '2030-01-01 00:01Z', 'plain') ->> 'run_id' AS run2 \gset
SELECT throws_ok(format('SELECT public.execute_job(%s, %L)', :run2, 'someone-else'), '55000',
                 format('runner someone-else does not hold the lease for job run %s (outcome running)', :run2),
                 'a runner that does not hold the lease is refused');
SELECT is(public.execute_job(:run2, 'r1', '2030-01-01 00:01Z') ->> 'rows_affected', '42',
          'an integer result is rows_affected');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'plain'), '2030-01-01 01:00Z'::timestamptz,
          'the next run follows the grid from the scheduled time');

UPDATE public.jobs SET next_run_at = '2030-01-01 00:00Z' WHERE name = 'plain';
SELECT public.claim_job('r1', '2030-01-01 05:00Z', 'plain') ->> 'run_id' AS run3 \gset
SELECT public.execute_job(:run3, 'r1', '2030-01-01 05:00Z');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'plain'), '2030-01-01 06:00Z'::timestamptz,
          'after an outage the next run is one interval from now, not a burst of catch-up runs');

SELECT is(private.call_job_function('public.t_void', now(), current_user), NULL, 'private.call_job_function: void gives NULL');
SELECT throws_ok($$SELECT private.call_job_function('public.t_set', now(), current_user)$$,
                 '22023', 'job function public.t_set() returns a set; a job function returns one value',
                 'a set-returning function is refused');
SELECT throws_ok($$SELECT private.call_job_function('public.nope', now(), current_user)$$, 'P0002',
                 'job function public.nope() does not exist', 'a missing function: P0002');
SELECT throws_ok($$SELECT private.call_job_function('pg_catalog.pg_sleep', now(), current_user)$$,
                 '22023', 'job function must be a public function name, got ''pg_catalog.pg_sleep''', 'only public functions');
INSERT INTO public.jobs (name, function_name, run_interval) VALUES ('secret', 'public.t_secret', '1 minute');
SELECT is(public.run_job('secret') ->> 'outcome', 'succeeded', 'the owner may run a job calling a private-to-it function');
SELECT throws_ok($$SET LOCAL ROLE moose_runner; SELECT public.run_job('secret');
                   SELECT 1 / 0 FROM public.job_runs WHERE job_name = 'secret' AND error_sqlstate = '42501'$$,
                 '22012', 'division by zero', 'a job may not call what its runner may not execute (recorded as 42501)');
SELECT throws_ok($$SELECT public.execute_job(NULL, 'r1')$$, '22004', 'run id must not be NULL', 'NULL run id: 22004');
SELECT throws_ok($$SELECT public.execute_job(999999, 'r1')$$, 'P0002', 'job run 999999 does not exist', 'unknown run id: P0002');
SELECT throws_ok($$INSERT INTO public.jobs (name, function_name, run_interval) VALUES ('x', 'private.config_value', '1 minute')$$,
                 '23514', 'new row for relation "jobs" violates check constraint "jobs_function_name_check"',
                 'a job may only name a function in schema public');

SELECT * FROM finish();
ROLLBACK;
