-- "I am on it": a pending escalation becomes acknowledged with who and when. Its SLA still runs
-- until it is resolved or dismissed. Acknowledging twice, or after a decision, is 55000.
CREATE OR REPLACE FUNCTION public.acknowledge_escalation(p_escalation_id uuid, p_notes text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_actor text := private.current_actor();
    v_notes text := private.check_decision_text('notes', p_notes, false);
BEGIN
    v_e := private.lock_open_escalation(p_escalation_id, 'acknowledged');
    IF v_e.status = 'acknowledged' THEN
        RAISE EXCEPTION 'escalation % was already acknowledged by % at %', p_escalation_id, v_e.acknowledged_by, v_e.acknowledged_at
            USING ERRCODE = '55000', HINT = 'Decide it with resolve_escalation(...) or dismiss_escalation(...).';
    END IF;
    UPDATE public.escalations AS e
    SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = v_actor,
        context = CASE WHEN v_notes IS NULL THEN e.context
                       ELSE e.context || jsonb_build_object('acknowledge_notes', v_notes) END
    WHERE e.id = p_escalation_id;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'escalation.acknowledged', p_escalation_id::text,
            jsonb_build_object('trigger_type', v_e.trigger_type, 'work_order_id', v_e.work_order_id, 'notes', v_notes));
    RETURN jsonb_build_object('escalation_id', p_escalation_id, 'status', 'acknowledged', 'acknowledged_by', v_actor);
END
$$;

REVOKE ALL ON FUNCTION public.acknowledge_escalation(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.acknowledge_escalation(uuid, text) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.acknowledge_escalation(uuid, text) IS 'Mark a pending escalation acknowledged (actor from the JWT sub, else the role). 55000 when already acknowledged or decided; P0002 when unknown.';
