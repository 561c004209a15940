-- Executes a chosen option's effect in the deciding transaction (called by resolve_escalation
-- with the escalation row locked and p_params already checked by private.escalation_params: the
-- parameters actually applied). It only dispatches: the actions, their scope and parameters are
-- listed once in private.escalation_actions(), and each effect is its own function
-- private.escalation_effect_<action> taking (escalation, work order, option, params, notes).
-- A work-order action locks the escalation's work order first (55000 when the escalation has
-- none). Work-order moves go through the state machine, so an effect that does not fit the
-- work order's status fails with 55000 and the whole decision rolls back. Returns what was done,
-- for the decision log.
CREATE OR REPLACE FUNCTION private.apply_escalation_effect(
    p_escalation public.escalations, p_option jsonb, p_params jsonb, p_notes text
) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_action text := p_option -> 'effect' ->> 'action';
    v_spec jsonb := private.escalation_actions() -> (p_option -> 'effect' ->> 'action');
    v_wo public.work_orders%ROWTYPE;
BEGIN
    IF v_spec IS NULL THEN
        RAISE EXCEPTION 'option % names unknown action %', p_option ->> 'key', coalesce(v_action, 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'Known actions: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(private.escalation_actions()) AS k) || '.';
    END IF;
    IF v_spec ->> 'scope' = 'work_order' THEN
        IF p_escalation.work_order_id IS NULL THEN
            RAISE EXCEPTION 'option % acts on a work order, but escalation % has none', p_option ->> 'key', p_escalation.id
                USING ERRCODE = '55000', HINT = 'Choose a system-wide option, or dismiss the escalation with notes.';
        END IF;
        SELECT * INTO v_wo FROM public.work_orders AS w WHERE w.id = p_escalation.work_order_id FOR UPDATE;
    END IF;

    RETURN CASE v_action
        WHEN 'retry' THEN private.escalation_effect_retry(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'amend' THEN private.escalation_effect_amend(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'split' THEN private.escalation_effect_split(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'redecompose' THEN private.escalation_effect_redecompose(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'revert' THEN private.escalation_effect_revert(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'pause' THEN private.escalation_effect_pause(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'requeue' THEN private.escalation_effect_requeue(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'unblock' THEN private.escalation_effect_unblock(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'manual_review' THEN private.escalation_effect_manual_review(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'cancel' THEN private.escalation_effect_cancel(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'pause_non_critical' THEN private.escalation_effect_pause_non_critical(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'set_config' THEN private.escalation_effect_set_config(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'raise_daily_budget' THEN private.escalation_effect_raise_daily_budget(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'raise_budget_cap' THEN private.escalation_effect_raise_budget_cap(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'start_orchestrator' THEN private.escalation_effect_start_orchestrator(p_escalation, v_wo, p_option, p_params, p_notes)
        WHEN 'record_only' THEN private.escalation_effect_record_only(p_escalation, v_wo, p_option, p_params, p_notes)
    END;
END
$$;

REVOKE ALL ON FUNCTION private.apply_escalation_effect(public.escalations, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.apply_escalation_effect(public.escalations, jsonb, jsonb, text) IS 'Dispatch a resolution option''s effect to private.escalation_effect_<action> (actions listed in private.escalation_actions) in the deciding transaction; returns what was done.';
