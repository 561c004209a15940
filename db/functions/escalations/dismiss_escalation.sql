-- "No action needed": closes an open escalation without executing any option. Notes are
-- required (why nothing is done). A work order this escalation blocked goes back to the status
-- it was blocked from. Dismissing twice, or after a resolution, is 55000.
CREATE OR REPLACE FUNCTION public.dismiss_escalation(p_escalation_id uuid, p_notes text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_actor text := private.current_actor();
    v_notes text := private.check_decision_text('notes', p_notes, true);
    v_wo public.work_orders%ROWTYPE;
    v_effect jsonb := jsonb_build_object('action', 'dismiss');
BEGIN
    v_e := private.lock_open_escalation(p_escalation_id, 'dismissed');
    IF v_e.work_order_id IS NOT NULL THEN
        SELECT * INTO v_wo FROM public.work_orders AS w WHERE w.id = v_e.work_order_id FOR UPDATE;
        IF v_wo.status = 'blocked' AND v_wo.metadata ->> 'blocked_by_escalation' = p_escalation_id::text THEN
            PERFORM private.write_work_order_status(v_wo.id, coalesce(v_wo.metadata ->> 'blocked_from', 'pending'),
                format('escalation %s dismissed', p_escalation_id),
                jsonb_build_object('blocked_by_escalation', NULL));
            v_effect := v_effect || jsonb_build_object('work_order_id', v_wo.id, 'from_status', 'blocked',
                                                       'to_status', coalesce(v_wo.metadata ->> 'blocked_from', 'pending'));
        END IF;
    END IF;
    UPDATE public.escalations AS e
    SET status = 'dismissed', resolved_at = now(), resolved_by = v_actor,
        decision_reasoning = v_notes, decision_effect = v_effect,
        resolution = jsonb_build_object('decision', 'dismissed', 'reasoning', v_notes,
                                        'decided_by', v_actor, 'decided_at', now(), 'effect', v_effect)
    WHERE e.id = p_escalation_id;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'escalation.dismissed', p_escalation_id::text,
            jsonb_build_object('trigger_type', v_e.trigger_type, 'work_order_id', v_e.work_order_id,
                               'notes', v_notes, 'effect', v_effect));
    RETURN jsonb_build_object('escalation_id', p_escalation_id, 'status', 'dismissed', 'dismissed_by', v_actor,
                              'effect', v_effect);
END
$$;

REVOKE ALL ON FUNCTION public.dismiss_escalation(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.dismiss_escalation(uuid, text) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.dismiss_escalation(uuid, text) IS 'Close an open escalation without executing an option; notes required. A work order it blocked returns to its previous status. 55000 when already decided.';
