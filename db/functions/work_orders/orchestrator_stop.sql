-- Stops the orchestrator with a reason (runbook 4.3 and 5.1 step 2), audited. The orchestrator
-- reads the state on its next heartbeat and stops polling.
CREATE OR REPLACE FUNCTION public.orchestrator_stop(p_reason text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old public.orchestrator_state%ROWTYPE;
    v_reason text;
BEGIN
    v_reason := private.check_text('the reason to stop the orchestrator', p_reason, 1000,
                                   'Say briefly why, for the audit log, e.g. SELECT orchestrator_stop(''deploying a fix'');');
    SELECT * INTO v_old FROM public.orchestrator_state AS o WHERE o.id FOR UPDATE;
    UPDATE public.orchestrator_state AS o
    SET status = 'stopped', stopped_reason = v_reason, updated_by = private.current_actor()
    WHERE o.id;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'orchestrator.stop', 'orchestrator',
            jsonb_build_object('previous_status', v_old.status, 'reason', v_reason));
    RETURN public.orchestrator_status();
END
$$;

REVOKE ALL ON FUNCTION public.orchestrator_stop(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.orchestrator_stop(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.orchestrator_stop(text) IS 'Stop the orchestrator with a reason (1..1000 characters); audited. Returns orchestrator_status().';
