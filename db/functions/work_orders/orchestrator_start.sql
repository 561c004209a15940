-- The runbook's `POST /api/orchestrator {"action": "start", "interval_ms": 10000}` (section 4.3):
-- marks the orchestrator running with its poll interval, audited. Keeps the interval when none
-- is given. Refused while the emergency kill switch is on: resume_operations(note) restarts the
-- orchestrator together with everything else the kill stopped.
CREATE OR REPLACE FUNCTION public.orchestrator_start(p_interval_ms integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old public.orchestrator_state%ROWTYPE;
BEGIN
    IF p_interval_ms IS NOT NULL AND p_interval_ms NOT BETWEEN 100 AND 3600000 THEN
        RAISE EXCEPTION 'interval_ms must be between 100 and 3600000, got %', p_interval_ms
            USING ERRCODE = '22023', HINT = 'The runbook uses 10000 (ten seconds).';
    END IF;
    IF EXISTS (SELECT 1 FROM public.budget_kill_switch AS k WHERE k.active) THEN
        RAISE EXCEPTION 'the emergency kill switch is on; the orchestrator stays stopped'
            USING ERRCODE = '55000',
                  HINT = 'SELECT resume_operations(''why it is safe'') restarts the orchestrator with everything the kill stopped.';
    END IF;
    SELECT * INTO v_old FROM public.orchestrator_state AS o WHERE o.id FOR UPDATE;
    UPDATE public.orchestrator_state AS o
    SET status = 'running', interval_ms = coalesce(p_interval_ms, o.interval_ms), stopped_reason = NULL,
        updated_by = private.current_actor()
    WHERE o.id;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'orchestrator.start', 'orchestrator',
            jsonb_build_object('previous_status', v_old.status, 'interval_ms', coalesce(p_interval_ms, v_old.interval_ms)));
    RETURN public.orchestrator_status();
END
$$;

REVOKE ALL ON FUNCTION public.orchestrator_start(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.orchestrator_start(integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.orchestrator_start(integer) IS 'Start the orchestrator (runbook 4.3): status running, poll interval p_interval_ms (100..3600000, default unchanged); audited. 55000 while the emergency kill switch is on (resume_operations restarts it). Returns orchestrator_status().';
