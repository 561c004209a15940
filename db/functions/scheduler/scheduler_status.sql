-- The scheduler's own health, for moose status, the dashboard and system_health: jobs failing
-- (a streak of failures), jobs overdue (due for longer than an interval, at least two minutes:
-- no runner and no pg_cron is running them), the runners seen lately and the leases they hold.
-- "stalled" when anything is overdue, "degraded" when a job is failing, else "ok".
CREATE OR REPLACE FUNCTION public.scheduler_status() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH failing AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object('job', j.name, 'failures', j.consecutive_failures,
                                                     'since', j.failing_since, 'last_error', j.last_error,
                                                     'next_run_at', j.next_run_at) ORDER BY j.name), '[]') AS v
        FROM public.jobs AS j WHERE j.enabled AND j.consecutive_failures > 0
    ), overdue AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object('job', j.name, 'next_run_at', j.next_run_at,
                                                     'overdue_seconds', round(extract(epoch FROM now() - j.next_run_at)))
                                  ORDER BY j.next_run_at), '[]') AS v
        FROM public.jobs AS j
        WHERE j.enabled AND j.next_run_at < now() - greatest(private.duration(j.run_interval), interval '2 minutes')
          AND NOT EXISTS (SELECT 1 FROM public.job_leases AS l WHERE l.job_name = j.name AND l.expires_at > now())
    ), runners AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object('holder', r.holder, 'last_seen_at', r.last_seen_at,
                                                     'stopped_at', r.stopped_at, 'details', r.details,
                                                     'alive', r.stopped_at IS NULL AND r.last_seen_at > now() - interval '2 minutes')
                                  ORDER BY r.last_seen_at DESC), '[]') AS v
        FROM public.runners AS r
        WHERE r.last_seen_at > now() - interval '24 hours'
    ), leases AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object('job', l.job_name, 'holder', l.holder, 'run_id', l.run_id,
                                                     'acquired_at', l.acquired_at, 'expires_at', l.expires_at,
                                                     'expired', l.expires_at <= now()) ORDER BY l.job_name), '[]') AS v
        FROM public.job_leases AS l
    )
    SELECT jsonb_build_object(
        'status', CASE WHEN jsonb_array_length(overdue.v) > 0 THEN 'stalled'
                       WHEN jsonb_array_length(failing.v) > 0 THEN 'degraded' ELSE 'ok' END,
        'jobs_failing', failing.v, 'jobs_overdue', overdue.v, 'runners', runners.v, 'leases', leases.v)
    FROM failing, overdue, runners, leases;
$$;

REVOKE ALL ON FUNCTION public.scheduler_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.scheduler_status() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.scheduler_status() IS 'Scheduler health: {status ok|degraded|stalled, jobs_failing, jobs_overdue (no runner or pg_cron runs them), runners (alive when seen in the last 2 minutes), leases}.';
