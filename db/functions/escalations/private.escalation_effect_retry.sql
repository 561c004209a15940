-- Effect "retry" (and the core of "amend"): the work order goes back to pending with its attempt
-- counters reset; metadata.retry records {escalation, option, instructions = notes, model,
-- clean_state}; metadata.model_override is set when the applied params name a model (the
-- option's fixed model, or the decider's params.model where the option leaves it open); an amend
-- merges params.amendments into metadata.amendments.
CREATE OR REPLACE FUNCTION private.escalation_effect_retry(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_model text;
BEGIN
    v_model := p_params ->> 'model';
    UPDATE public.work_orders AS w SET refinement_attempts = 0, test_failure_cycles = 0 WHERE w.id = p_work_order.id;
    RETURN jsonb_strip_nulls(private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'pending',
            jsonb_build_object('retry', jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key', 'instructions', p_notes, 'at', now()) || jsonb_strip_nulls(jsonb_build_object(
                                   'model', v_model, 'clean_state', p_option -> 'effect' -> 'clean_state')))
            || CASE WHEN v_model IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('model_override', v_model) END
            || CASE WHEN p_params ? 'amendments'
                    THEN jsonb_build_object('amendments', coalesce(p_work_order.metadata -> 'amendments', '{}'::jsonb) || (p_params -> 'amendments'))
                    ELSE '{}'::jsonb END)
        || jsonb_build_object('model', v_model));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_retry(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_retry(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect retry: work order back to pending, counters reset, metadata.retry and model_override; amendments merged when given.';
