-- Effect "amend": a retry that carries params.amendments (a non-empty object, required by
-- private.escalation_actions) into metadata.amendments.
CREATE OR REPLACE FUNCTION private.escalation_effect_amend(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.escalation_effect_retry(p_escalation, p_work_order, p_option, p_params, p_notes);
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_amend(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_amend(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect amend: retry with params.amendments merged into metadata.amendments.';
