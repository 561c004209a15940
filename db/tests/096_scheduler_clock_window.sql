-- Clock parameters are bounded: a p_now further than scheduler_clock_window minutes from the
-- database clock is refused (22023, with a hint) by every scheduler and retention function,
-- before anything is written; inside the window it is used. The simulated-clock escape
-- (moose.simulated_clock) works only for a superuser login: an API role that sets the flag
-- itself is still refused.
BEGIN;
SELECT plan(17);

INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000009a1', 'wo');
INSERT INTO public.outcome_vectors (work_order_id, model_used, success, created_at)
VALUES ('00000000-0000-0000-0000-0000000009a1', 'gpt-4o', true, now() - interval '1 day');
INSERT INTO public.jobs (name, function_name, run_interval, next_run_at)
VALUES ('t_window', 'public.expire_reservations', '1 minute', now() - interval '1 minute');
UPDATE public.jobs SET enabled = false WHERE name <> 't_window';

-- Far clocks, as service_role (the issue's attack): refused with a hint, nothing deleted.
SELECT is(test_helpers.as_role('service_role', $$SELECT public.run_retention('294276-12-31')$$),
          'ERROR 22023', 'run_retention in the year 294276: 22023');
SELECT is((SELECT count(*)::integer FROM public.outcome_vectors), 1, 'and no outcome vector was purged');
SELECT throws_ok($$SELECT public.run_retention(now() + interval '10 years')$$, '22023',
                 format('the clock %s is more than 5 minutes from the database clock %s', now() + interval '10 years', now()),
                 'the message names the window');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.runner_heartbeat('h:1', '{}', false, '294276-12-31')$$),
          'ERROR 22023', 'a heartbeat in the year 294276: 22023');
SELECT is((SELECT count(*)::integer FROM public.runners WHERE holder = 'h:1'), 0, 'and no runner row was stored');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.claim_job('r1', now() + interval '20 years')$$),
          'ERROR 22023', 'claim_job decades ahead: 22023');
SELECT is((SELECT count(*)::integer FROM public.job_runs WHERE job_name = 't_window'), 0, 'and nothing was claimed');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.claim_job('r1', now() - interval '6 minutes')$$),
          'ERROR 22023', 'six minutes behind: 22023');
SELECT is(test_helpers.as_role('service_role', $$SELECT public.alert_on_health_change(now() + interval '1 hour')$$),
          'ERROR 22023', 'alert_on_health_change an hour ahead: 22023');
SELECT is(test_helpers.as_role('service_role', $$SELECT public.run_job('t_window', false, now() + interval '1 day')$$),
          'ERROR 22023', 'run_job a day ahead: 22023');

-- Inside the window the caller's clock is used.
SELECT is(public.claim_job('r1', now() + interval '4 minutes') ->> 'job', 't_window', 'four minutes ahead is accepted');
SELECT is(public.execute_job((SELECT max(id) FROM public.job_runs), 'r1', now() + interval '4 minutes') ->> 'outcome',
          'succeeded', 'and the run executes with it');

-- The window is a config key, validated like the others.
SELECT lives_ok($$SELECT public.update_config('scheduler_clock_window', '120')$$, 'the window can be widened');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.runner_heartbeat('h:2', '{}', false, now() + interval '90 minutes') ->> 'holder'$$),
          'h:2', 'a clock 90 minutes ahead is then accepted');
SELECT throws_ok($$SELECT public.update_config('scheduler_clock_window', '100000')$$,
                 '22023', 'config "scheduler_clock_window" = 100000 is out of range [1, 1440]', 'a window over a day: 22023');

-- The simulated-clock flag lifts the window for a superuser login only.
SET LOCAL SESSION AUTHORIZATION moose_runner;
SET LOCAL moose.simulated_clock = on;
DO $$
BEGIN
    PERFORM public.claim_job('r2', now() + interval '10 years');
    PERFORM set_config('test.state', 'accepted', true);
EXCEPTION WHEN OTHERS THEN
    PERFORM set_config('test.state', SQLSTATE, true);
END
$$;
RESET SESSION AUTHORIZATION;
SELECT is(current_setting('test.state'), '22023', 'moose_runner setting moose.simulated_clock itself is still refused');
SELECT is((public.claim_job('r3', now() + interval '10 years') ->> 'job'), 't_window',
          'a superuser session with the flag may simulate a clock (tests)');

SELECT * FROM finish();
ROLLBACK;
