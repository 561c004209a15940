-- Shared first step of every decision on an escalation: lock its row (concurrent deciders queue
-- here) and refuse one that is unknown (P0002) or already decided (55000), so a decision is
-- executed once however often it is clicked.
CREATE OR REPLACE FUNCTION private.lock_open_escalation(p_escalation_id uuid, p_verb text) RETURNS public.escalations
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
BEGIN
    PERFORM private.check_required('escalation id', p_escalation_id,
        'Pass an id from escalations (SELECT * FROM open_escalations;).');
    SELECT * INTO v_e FROM public.escalations AS e WHERE e.id = p_escalation_id FOR UPDATE;
    PERFORM private.check_found(FOUND, 'escalation', p_escalation_id,
        'List open ones with: SELECT * FROM open_escalations;');
    IF v_e.status IN ('resolved', 'dismissed') THEN
        RAISE EXCEPTION 'escalation % was already % by % at %: it cannot be %', p_escalation_id, v_e.status,
                coalesce(v_e.resolved_by, '?'), v_e.resolved_at, p_verb
            USING ERRCODE = '55000',
                  HINT = 'A decision is executed once. If the problem is back, a new escalation opens for it.';
    END IF;
    RETURN v_e;
END
$$;

REVOKE ALL ON FUNCTION private.lock_open_escalation(uuid, text) FROM PUBLIC;

COMMENT ON FUNCTION private.lock_open_escalation(uuid, text) IS 'Lock an open escalation for a decision; P0002 when unknown, 55000 when already resolved or dismissed.';
