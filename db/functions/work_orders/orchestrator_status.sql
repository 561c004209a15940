-- The runbook's `GET /api/orchestrator` (section 4.3): {"status": "running", "interval_ms": 10000}
-- plus the last poll and why it was stopped.
CREATE OR REPLACE FUNCTION public.orchestrator_status() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('status', o.status, 'interval_ms', o.interval_ms, 'last_poll_at', o.last_poll_at,
                              'stopped_reason', o.stopped_reason, 'updated_at', o.updated_at,
                              'updated_by', o.updated_by)
    FROM public.orchestrator_state AS o
    WHERE o.id;
$$;

REVOKE ALL ON FUNCTION public.orchestrator_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.orchestrator_status() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.orchestrator_status() IS 'The orchestrator''s state as runbook 4.3 shows it: {status: running|stopped, interval_ms, last_poll_at, stopped_reason, updated_at, updated_by}.';
