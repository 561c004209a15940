-- Effect "pause_non_critical" (system-wide): every pending or approved work order of priority
-- low or medium is paused, with the decision as the status reason.
CREATE OR REPLACE FUNCTION private.escalation_effect_pause_non_critical(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    PERFORM set_config('moose.status_reason',
                       format('escalation %s (%s): %s', p_escalation.id, p_escalation.trigger_type, p_option ->> 'key'), true);
    UPDATE public.work_orders AS w
    SET status = 'paused',
        metadata = w.metadata || jsonb_build_object('paused_by_escalation', p_escalation.id)
    WHERE w.status IN ('pending', 'approved') AND w.priority IN ('low', 'medium');
    GET DIAGNOSTICS v_count = ROW_COUNT;
    PERFORM set_config('moose.status_reason', '', true);
    RETURN jsonb_build_object('action', 'pause_non_critical', 'paused_work_orders', v_count);
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_pause_non_critical(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_pause_non_critical(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect pause_non_critical: pending/approved low and medium priority work orders are paused.';
