-- Effect "record_only": nothing but the decision log (the work is manual, e.g. investigating a
-- cost anomaly).
CREATE OR REPLACE FUNCTION private.escalation_effect_record_only(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN jsonb_build_object('action', 'record_only');
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_record_only(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_record_only(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect record_only: nothing besides the decision log.';
