-- The shared step of the "redecompose" and "revert" effects: cancel the work order, remember in
-- its metadata (under p_marker) which escalation asked for what follow-up and why, and raise an
-- alert so someone does that follow-up. Returns what escalation_move_work_order did.
CREATE OR REPLACE FUNCTION private.escalation_cancel_for_follow_up(
    p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_notes text,
    p_marker text, p_severity text, p_kind text, p_title text
) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_effect jsonb;
BEGIN
    v_effect := private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'cancelled',
                    jsonb_build_object(p_marker, jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key',
                                                                     'instructions', p_notes, 'at', now())));
    PERFORM public.raise_alert(p_severity, 'work_order.' || p_kind, p_title || ': ' || left(p_work_order.title, 200),
        format('Work order %s was cancelled by escalation %s (%s). %s', p_work_order.id, p_escalation.id,
               p_option ->> 'label', coalesce(p_notes, '')),
        format('%s:%s', p_kind, p_work_order.id),
        jsonb_build_object('work_order_id', p_work_order.id, 'escalation_id', p_escalation.id));
    RETURN v_effect;
END
$$;

REVOKE ALL ON FUNCTION private.escalation_cancel_for_follow_up(public.escalations, public.work_orders, jsonb, text, text, text, text, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_cancel_for_follow_up(public.escalations, public.work_orders, jsonb, text, text, text, text, text) IS 'Shared step of the redecompose and revert effects: cancel the work order with metadata.<p_marker> (escalation, option, instructions, at) and raise alert work_order.<p_kind> asking for the follow-up.';
