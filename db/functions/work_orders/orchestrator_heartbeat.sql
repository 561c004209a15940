-- Called by the orchestrator on every poll: stamps last_poll_at (runbook 4.3's "check last
-- polling time") and answers whether to keep polling and how often.
CREATE OR REPLACE FUNCTION public.orchestrator_heartbeat() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_row public.orchestrator_state%ROWTYPE;
BEGIN
    UPDATE public.orchestrator_state AS o
    SET last_poll_at = now()
    WHERE o.id
    RETURNING * INTO v_row;
    RETURN jsonb_build_object('status', v_row.status, 'interval_ms', v_row.interval_ms,
                              'last_poll_at', v_row.last_poll_at);
END
$$;

REVOKE ALL ON FUNCTION public.orchestrator_heartbeat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.orchestrator_heartbeat() TO service_role, moose_runner;

COMMENT ON FUNCTION public.orchestrator_heartbeat() IS 'The orchestrator''s poll stamp: sets last_poll_at = now() and returns {status, interval_ms, last_poll_at}, so a stopped orchestrator learns it must stop.';
