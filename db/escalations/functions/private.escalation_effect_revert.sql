-- Effect "revert": the work order is cancelled with metadata.revert_requested and an alert
-- work_order.revert (warning) asks for the follow-up work.
CREATE OR REPLACE FUNCTION private.escalation_effect_revert(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_effect jsonb;
BEGIN
    v_effect := private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'cancelled',
                    jsonb_build_object('revert_requested', jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key', 'instructions', p_notes, 'at', now())));
    PERFORM public.raise_alert('warning', 'work_order.revert', 'Revert requested: ' || left(p_work_order.title, 200),
        format('Work order %s was cancelled by escalation %s (%s). %s', p_work_order.id, p_escalation.id,
               p_option ->> 'label', coalesce(p_notes, '')),
        format('revert:%s', p_work_order.id),
        jsonb_build_object('work_order_id', p_work_order.id, 'escalation_id', p_escalation.id));
    RETURN v_effect;
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_revert(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_revert(public.escalations, public.work_orders, jsonb, jsonb, text) IS
    'Escalation effect revert: work order cancelled with metadata.revert_requested; alert work_order.revert.';
