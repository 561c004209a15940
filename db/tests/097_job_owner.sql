-- A job may only name functions its owner could call itself: jobs.owner_role is the role that
-- wrote the function name (trigger jobs_owner, not chosen by the writer); a row naming a function
-- the writer may not execute is refused at insert and update (42501, nothing written), and
-- execute_job refuses at run time a job whose owner may not execute its function (a row from
-- before the check), recording 42501 without running it.
BEGIN;
SELECT plan(12);

SELECT is((SELECT count(*)::integer FROM public.jobs WHERE owner_role <> 'service_role'), 0,
          'the seeded jobs are owned by service_role');
SELECT is(test_helpers.as_role('service_role',
          $$INSERT INTO public.jobs (name, function_name, run_interval) VALUES ('t_cron', 'public.schedule_pg_cron', '1 hour') RETURNING name$$),
          'ERROR 42501', 'service_role may not insert a job naming schedule_pg_cron (runner only): 42501');
SELECT is((SELECT count(*)::integer FROM public.jobs WHERE name = 't_cron'), 0, 'and no row was written');
SELECT throws_ok($$SET LOCAL ROLE service_role;
                   INSERT INTO public.jobs (name, function_name, run_interval) VALUES ('t_cron', 'public.schedule_pg_cron', '1 hour')$$,
                 '42501', 'role service_role may not execute public.schedule_pg_cron(boolean), so a job it writes may not run it',
                 'the message names the role and the function');
RESET ROLE;
SELECT is(test_helpers.as_role('service_role',
          $$INSERT INTO public.jobs (name, function_name, run_interval, owner_role) VALUES ('t_ok', 'public.run_retention', '1 day', 'postgres') RETURNING owner_role$$),
          'service_role', 'a job naming a function service_role may call is accepted, owned by service_role whatever owner it passes');
SELECT is(test_helpers.as_role('service_role',
          $$UPDATE public.jobs SET function_name = 'public.schedule_pg_cron' WHERE name = 't_ok' RETURNING name$$),
          'ERROR 42501', 'nor may it point an existing job at schedule_pg_cron');
SELECT is(test_helpers.as_role('service_role',
          $$UPDATE public.jobs SET owner_role = 'postgres' WHERE name = 't_ok' RETURNING owner_role$$),
          'service_role', 'nor take over a job by writing owner_role');
SELECT is(test_helpers.as_role('moose_runner',
          $$UPDATE public.jobs SET enabled = false WHERE name = 't_ok' RETURNING owner_role$$),
          'service_role', 'changing only enabled keeps the owner');
SELECT is(test_helpers.as_role('moose_runner',
          $$INSERT INTO public.jobs (name, function_name, run_interval, enabled) VALUES ('t_runner_cron', 'public.schedule_pg_cron', '1 hour', false) RETURNING owner_role$$),
          'moose_runner', 'the runner, which may call schedule_pg_cron, may schedule it');

-- A row written before the check (as migration 0047 leaves them: owned by service_role).
ALTER TABLE public.jobs DISABLE TRIGGER jobs_owner;
INSERT INTO public.jobs (name, function_name, run_interval, owner_role)
VALUES ('t_old_cron', 'public.schedule_pg_cron', '1 hour', 'service_role');
ALTER TABLE public.jobs ENABLE TRIGGER jobs_owner;
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.run_job('t_old_cron') ->> 'outcome'$$),
          'failed', 'at run time the runner refuses a job whose owner may not execute its function');
SELECT is((SELECT error_sqlstate FROM public.job_runs WHERE job_name = 't_old_cron'), '42501', 'recorded as 42501');
SELECT alike((SELECT error FROM public.job_runs WHERE job_name = 't_old_cron'), '%owner service_role may not execute%',
            'naming the owner');

SELECT * FROM finish();
ROLLBACK;
