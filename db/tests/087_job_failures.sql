-- Failure handling: private.finish_job_run backs off exponentially (capped), alerts once per
-- failure streak and once on recovery; statement timeouts are caught as timed_out; fail_job
-- records a failure from outside; run_job claims, runs and records in one call.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(20);

DELETE FROM public.jobs;
DELETE FROM public.alerts;
CREATE TABLE public.t_state (ok boolean);
INSERT INTO public.t_state VALUES (false);
CREATE TABLE public.t_writes (n integer);
CREATE FUNCTION public.t_flaky() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.t_writes VALUES (1);
    IF NOT (SELECT ok FROM public.t_state) THEN
        RAISE EXCEPTION 'flaky is down' USING ERRCODE = '22012';
    END IF;
    RETURN 1;
END $$;
CREATE FUNCTION public.t_slow() RETURNS integer LANGUAGE sql AS $$ SELECT pg_sleep(2); SELECT 1 $$;
INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, next_run_at) VALUES
    ('flaky', 'public.t_flaky', '1 minute', '10 seconds', '2030-01-01 00:00Z'),
    ('slow', 'public.t_slow', '1 minute', '10 seconds', '2030-01-01 00:00Z');
UPDATE public.system_config SET value = '"10 minutes"' WHERE key = 'job_max_backoff';

SELECT is(public.run_job('flaky', false, '2030-01-01 00:00Z') ->> 'outcome', 'failed', 'run_job records a failure');
SELECT is((SELECT count(*) FROM public.t_writes), 0::bigint, 'the failed job''s own writes are rolled back');
SELECT is((SELECT error || ' ' || error_sqlstate FROM public.job_runs WHERE job_name = 'flaky'), 'flaky is down 22012',
          'the error and SQLSTATE are recorded');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'flaky'), '2030-01-01 00:01Z'::timestamptz, 'first retry after one interval');
SELECT public.run_job('flaky', false, '2030-01-01 00:01Z');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'flaky'), '2030-01-01 00:03Z'::timestamptz, 'then two intervals');
SELECT public.run_job('flaky', false, '2030-01-01 00:03Z');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'flaky'), '2030-01-01 00:07Z'::timestamptz, 'then four');
SELECT public.run_job('flaky', false, '2030-01-01 00:07Z');
SELECT public.run_job('flaky', false, '2030-01-01 00:15Z');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'flaky'), '2030-01-01 00:25Z'::timestamptz, 'capped at job_max_backoff');
SELECT is((SELECT consecutive_failures FROM public.jobs WHERE name = 'flaky'), 5, 'the failure streak is counted');
SELECT is((SELECT count(*)::text || ' ' || max(occurrences) FROM public.alerts WHERE kind = 'job.failed'), '1 5',
          'one alert for the whole streak, counted five times');
SELECT is(public.run_job('flaky', true, '2030-01-01 00:20Z') ->> 'outcome', 'skipped',
          'run_job(scheduled) skips a job inside its backoff');
UPDATE public.t_state SET ok = true;
SELECT is(public.run_job('flaky', true, '2030-01-01 00:25Z') ->> 'outcome', 'succeeded', 'it recovers');
SELECT is((SELECT consecutive_failures FROM public.jobs WHERE name = 'flaky'), 0, 'the streak is cleared');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'job.recovered'), 1::bigint, 'one recovery alert');

SET LOCAL statement_timeout = '300ms';
SELECT is(public.run_job('slow') ->> 'outcome', 'timed_out', 'a statement timeout inside the job is recorded as timed_out');
RESET statement_timeout;
SELECT is((SELECT error_sqlstate FROM public.job_runs WHERE job_name = 'slow'), '57014', 'with SQLSTATE 57014');

SELECT public.claim_job('r1', '2030-01-01 00:30Z', 'flaky') ->> 'run_id' AS run \gset
SELECT is(public.fail_job(:run, 'r1', 'connection lost', '08006', '2030-01-01 00:30Z') ->> 'outcome', 'failed',
          'fail_job records a failure the runner saw');
SELECT throws_ok(format('SELECT public.fail_job(%s, %L, %L)', :run, 'r1', 'again'), '55000',
                 format('runner r1 does not hold the lease for job run %s (outcome failed)', :run),
                 'fail_job on a finished run: 55000');
SELECT throws_ok($$SELECT public.fail_job(1, 'r1', 'x', 'not-a-state')$$,
                 '22023', 'SQLSTATE must be five characters, got ''not-a-state''', 'a bad SQLSTATE: 22023');
SELECT throws_ok($$SELECT public.run_job(NULL)$$, '22004', 'job name must not be NULL', 'run_job(NULL): 22004');
SELECT throws_ok($$SELECT private.finish_job_run(1, 'running', NULL, NULL, NULL, now(), now())$$,
                 '22023', 'a job run ends succeeded, failed or timed_out, got ''running''',
                 'private.finish_job_run only ends runs');

SELECT * FROM finish();
ROLLBACK;
