-- Effect "cancel": the work order moves to cancelled.
CREATE OR REPLACE FUNCTION private.escalation_effect_cancel(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'cancelled',
               jsonb_build_object('cancelled_by_escalation', p_escalation.id));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_cancel(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_cancel(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect cancel: work order to cancelled.';
