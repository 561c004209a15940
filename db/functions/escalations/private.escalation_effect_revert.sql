-- Effect "revert": the work order is cancelled with metadata.revert_requested and an alert
-- work_order.revert (warning) asks for the follow-up work.
CREATE OR REPLACE FUNCTION private.escalation_effect_revert(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.escalation_cancel_for_follow_up(p_escalation, p_work_order, p_option, p_notes,
               'revert_requested', 'warning', 'revert', 'Revert requested');
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_revert(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_revert(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect revert: work order cancelled with metadata.revert_requested; alert work_order.revert.';
