-- The on-call's big red button (runbook 5.1) as one transactional call: `SELECT
-- emergency_kill('retry storm on WO 123');`. Refuses every reservation, stops the orchestrator,
-- pauses pending/approved work orders, cancels open reservations, opens one budget_critical
-- escalation, raises an alert and audits who and why. Idempotent; the limit is untouched.
CREATE OR REPLACE FUNCTION public.emergency_kill(p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.budget_kill(private.check_text('the kill reason', p_reason, 1000,
        'Say why in 1 to 1000 characters, e.g. SELECT emergency_kill(''retry storm on work order 123'');'), false);
END
$$;

REVOKE ALL ON FUNCTION public.emergency_kill(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.emergency_kill(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.emergency_kill(text) IS 'Emergency kill switch (runbook 5.1) in one transaction: refuse all reservations, stop the orchestrator, pause pending/approved work orders, cancel open reservations, open a budget_critical escalation, alert, audit. Idempotent; the limit is left as it is. Undo with resume_operations(note).';
