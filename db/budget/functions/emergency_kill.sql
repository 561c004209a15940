-- The on-call's big red button (runbook 5.1) as one transactional call: `SELECT
-- emergency_kill('retry storm on WO 123');`. Refuses every reservation, stops the orchestrator,
-- pauses pending/approved work orders, cancels open reservations, opens one budget_critical
-- escalation, raises an alert and audits who and why. Idempotent; the limit is untouched.
CREATE OR REPLACE FUNCTION public.emergency_kill(p_reason text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_reason IS NULL THEN
        RAISE EXCEPTION 'the kill reason must not be NULL'
            USING ERRCODE = '22004',
                  HINT = 'Say why, e.g. SELECT emergency_kill(''retry storm on work order 123'');';
    END IF;
    IF length(btrim(p_reason)) = 0 OR length(p_reason) > 1000 THEN
        RAISE EXCEPTION 'the kill reason must be 1 to 1000 characters, got %', length(btrim(p_reason))
            USING ERRCODE = '22023',
                  HINT = 'Give a short reason for the audit log and the escalation, e.g. ''cost spike''.';
    END IF;
    RETURN private.budget_kill(btrim(p_reason), false);
END
$$;

REVOKE ALL ON FUNCTION public.emergency_kill(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.emergency_kill(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.emergency_kill(text) IS
    'Emergency kill switch (runbook 5.1) in one transaction: refuse all reservations, stop the orchestrator, pause pending/approved work orders, cancel open reservations, open a budget_critical escalation, alert, audit. Idempotent; the limit is left as it is. Undo with resume_operations(note).';
