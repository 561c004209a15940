-- The periodic jobs of the workflow part, seeded once its functions exist on the
-- branch (they are resolved at run time either way): stuck
-- detection and SLA checks every five minutes, the hourly outcome roll-up that keeps
-- system_health() fast every five, and the health check (runbook 2.1) every five.
-- depends: 0042_job_expire_reservations 0021_escalation_workflow

INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, description) VALUES
    ('detect_stuck_work_orders', 'public.detect_stuck_work_orders', interval '5 minutes', interval '1 minute',
     'Open an escalation for each work order pending or in progress too long (runbook 1.4).'),
    ('check_escalation_slas', 'public.check_escalation_slas', interval '5 minutes', interval '1 minute',
     'Alert once for each open escalation past its SLA (runbook 1.2).'),
    ('rollup_outcome_hours', 'public.rollup_outcome_hours', interval '5 minutes', interval '2 minutes',
     'Recompute outcome_hourly_stats for the last complete hours (system_health() sums them).'),
    ('health_check', 'public.check_system_health', interval '5 minutes', interval '1 minute',
     'Alert when system_health() is not healthy, deduplicated (runbook 2.1).')
ON CONFLICT (name) DO NOTHING;
