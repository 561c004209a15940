-- scheduler_status: failing and overdue jobs, live and stopped runners, leases; who may read it.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(9);

DELETE FROM public.jobs;
DELETE FROM public.runners;
CREATE FUNCTION public.t_one() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
INSERT INTO public.jobs (name, function_name, run_interval, next_run_at) VALUES
    ('fine', 'public.t_one', '5 minutes', now() + interval '1 minute');
SELECT is(public.scheduler_status() ->> 'status', 'ok', 'nothing wrong: ok');

UPDATE public.jobs SET consecutive_failures = 2, failing_since = now(), last_error = 'boom' WHERE name = 'fine';
SELECT is(public.scheduler_status() ->> 'status', 'degraded', 'a failing job: degraded');
SELECT is(public.scheduler_status() -> 'jobs_failing' -> 0 ->> 'last_error', 'boom', 'with its last error');

INSERT INTO public.jobs (name, function_name, run_interval, next_run_at) VALUES
    ('forgotten', 'public.t_one', '1 minute', now() - interval '10 minutes');
SELECT is(public.scheduler_status() ->> 'status', 'stalled', 'a job due for long with nobody running it: stalled');
SELECT is(public.scheduler_status() -> 'jobs_overdue' -> 0 ->> 'job', 'forgotten', 'named');
SELECT public.claim_job('r1', NULL, 'forgotten');
SELECT is(jsonb_array_length(public.scheduler_status() -> 'jobs_overdue'), 0, 'a job being run is not overdue');
SELECT is(public.scheduler_status() -> 'leases' -> 0 ->> 'holder', 'r1', 'the lease is listed');

SELECT public.runner_heartbeat('alive:1');
SELECT public.runner_heartbeat('gone:2', '{}', true);
SELECT is((SELECT string_agg((r ->> 'holder') || '=' || (r ->> 'alive'), ',' ORDER BY r ->> 'holder')
           FROM jsonb_array_elements(public.scheduler_status() -> 'runners') AS r),
          'alive:1=true,gone:2=false', 'runners with whether they are alive');
SELECT lives_ok($$SET LOCAL ROLE authenticated; SELECT public.scheduler_status(); RESET ROLE$$,
                'the dashboard may read it');

SELECT * FROM finish();
ROLLBACK;
