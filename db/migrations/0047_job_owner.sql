-- A job runs a function with the runner's rights, so a row of jobs must not name a function its
-- writer could not call itself (service_role inserting a job that runs schedule_pg_cron, which
-- only the runner's login may call). jobs.owner_role records the role that wrote the job's
-- function name (the trigger jobs_owner sets it to current_user; it cannot be chosen), and
-- execute_job runs the function only when both the owner and the runner may execute it.
-- Rows already present were written by the migrations or by an API role: they are owned by
-- service_role, the least privileged role that may write jobs (every seeded job's function is
-- granted to it). The signature of private.call_job_function gains the owner; the old one goes.
-- depends: 0046_scheduler_clock_window
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): jobs holds a handful of seeded rows:
-- SET NOT NULL scans them at once; private.call_job_function's old signature had only private
-- callers. Kept as applied: installed databases ran it before the lint existed, and a fresh
-- install runs it on new, near-empty tables.
-- squawk-ignore-file adding-not-nullable-field, ban-drop-function

ALTER TABLE public.jobs ADD COLUMN owner_role text;
UPDATE public.jobs SET owner_role = 'service_role';
ALTER TABLE public.jobs ALTER COLUMN owner_role SET DEFAULT current_user,
                        ALTER COLUMN owner_role SET NOT NULL;
COMMENT ON COLUMN public.jobs.owner_role IS
    'The role that wrote the job''s function name (set by trigger jobs_owner); the job runs only functions this role may execute.';

DROP FUNCTION IF EXISTS private.call_job_function(text, timestamptz);
