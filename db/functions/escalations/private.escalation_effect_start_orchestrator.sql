-- Effect "start_orchestrator" (system-wide, runbook 4.3): orchestrator_start(), audited with
-- the decider; refused (55000, the decision rolls back) while the kill switch is on.
CREATE OR REPLACE FUNCTION private.escalation_effect_start_orchestrator(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN jsonb_build_object('action', 'start_orchestrator', 'orchestrator', public.orchestrator_start());
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_start_orchestrator(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_start_orchestrator(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect start_orchestrator: orchestrator_start() in the deciding transaction.';
