-- Names that say what each function does, where two differed by one word: the heartbeat line
-- (was health_summary), the job that alerts on a change of health (was check_system_health), the
-- job that opens stuck escalations (was detect_stuck_work_orders, beside find_stuck_work_orders,
-- which only lists), and the internal status writer (was private.set_work_order_status, beside
-- the public API of the same name). The behaviour files create the new names; the old ones go.
-- depends: 0044_retention_reservations_and_history 0043_jobs_for_workflow
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): deliberate renames (above); the jobs
-- rows naming the old functions are updated here, and the behaviour files create the new names in
-- the same run. Kept as applied: installed databases ran it before the lint existed, and a fresh
-- install runs it on new, near-empty tables.
-- squawk-ignore-file ban-drop-function

DROP FUNCTION IF EXISTS public.health_summary();
DROP FUNCTION IF EXISTS public.check_system_health(timestamptz);
DROP FUNCTION IF EXISTS public.detect_stuck_work_orders();
DROP FUNCTION IF EXISTS private.set_work_order_status(uuid, text, text, jsonb);

-- job_runs and job_leases follow the job's name (ON UPDATE CASCADE).
UPDATE public.jobs
   SET name = 'escalate_stuck_work_orders', function_name = 'public.escalate_stuck_work_orders'
 WHERE name = 'detect_stuck_work_orders';
UPDATE public.jobs SET function_name = 'public.alert_on_health_change'
 WHERE function_name = 'public.check_system_health';

COMMENT ON TABLE public.work_order_stuck_episodes IS 'One row per stuck episode (work order, updated_at when it stalled), written by escalate_stuck_work_orders so each episode escalates once.';
