-- Effect "redecompose": the work order is cancelled with metadata.redecomposition_requested and an alert
-- work_order.redecompose (info) asks for the follow-up work.
CREATE OR REPLACE FUNCTION private.escalation_effect_redecompose(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.escalation_cancel_for_follow_up(p_escalation, p_work_order, p_option, p_notes,
               'redecomposition_requested', 'info', 'redecompose', 'Re-decomposition requested');
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_redecompose(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_redecompose(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect redecompose: work order cancelled with metadata.redecomposition_requested; alert work_order.redecompose.';
