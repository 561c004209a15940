-- The human's decision on an escalation (runbook 1.2 steps 4-5, 3.2): checks the option belongs
-- to the escalation's type, that notes are given where the option requires them and that p_params
-- are exactly what the option takes (private.escalation_params: declared, typed, bounded; an
-- option's fixed value cannot be overridden), executes the option's effect on the work order in this same transaction, and records the runbook's decision
-- log (decision, reasoning, expected outcome, fallback plan, follow-up, the parameters applied), the actor (JWT sub, else
-- the role) and whether the recommendation was followed. Deciding an already decided escalation
-- is 55000 and executes nothing; any failure rolls the whole decision back.
CREATE OR REPLACE FUNCTION public.resolve_escalation(
    p_escalation_id uuid,
    p_option text,
    p_notes text DEFAULT NULL,
    p_expected_outcome text DEFAULT NULL,
    p_fallback_plan text DEFAULT NULL,
    p_follow_up text DEFAULT NULL,
    p_params jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_actor text := private.current_actor();
    v_options jsonb;
    v_option jsonb;
    v_notes text;
    v_expected text := private.check_decision_text('expected outcome', p_expected_outcome, false);
    v_fallback text := private.check_decision_text('fallback plan', p_fallback_plan, false);
    v_follow_up text := private.check_decision_text('follow-up', p_follow_up, false);
    v_params jsonb;
    v_effect jsonb;
    v_log jsonb;
BEGIN
    PERFORM private.check_required('option', p_option,
        'Pass one of the keys in escalation_policies.resolution_options for the type.');
    PERFORM private.check_json_object('params', p_params, NULL, 'Pass ''{}'' when the option needs no parameters.');
    PERFORM private.check_text('option', p_option, 63,
                               'Pass one of the keys in escalation_policies.resolution_options for the type.');
    PERFORM private.check_decision_text('notes', p_notes, false);  -- its length, before any lookup
    v_e := private.lock_open_escalation(p_escalation_id, 'resolved');

    SELECT p.resolution_options INTO v_options FROM public.escalation_policies AS p WHERE p.trigger_type = v_e.trigger_type;
    SELECT o.value INTO v_option FROM jsonb_array_elements(v_options) AS o(value) WHERE o.value ->> 'key' = p_option;
    IF v_option IS NULL THEN
        RAISE EXCEPTION 'escalation type % has no option %', v_e.trigger_type, quote_literal(left(p_option, 100))
            USING ERRCODE = '22023',
                  HINT = 'Options for ' || v_e.trigger_type || ': ' ||
                         coalesce((SELECT string_agg(o.value ->> 'key', ', ') FROM jsonb_array_elements(v_options) AS o(value)),
                                  'none (dismiss it with notes)') || '.';
    END IF;
    v_notes := private.check_decision_text('notes', p_notes, coalesce((v_option ->> 'requires_notes')::boolean, false));

    -- The parameters the option takes, checked before anything is done (22023 otherwise).
    v_params := private.escalation_params(v_option, p_params);
    v_effect := private.apply_escalation_effect(v_e, v_option, v_params, v_notes);

    v_log := jsonb_build_object(
        'decision', v_option ->> 'label', 'option', p_option, 'reasoning', v_notes,
        'expected_outcome', v_expected, 'fallback_plan', v_fallback, 'follow_up', v_follow_up,
        'params', v_params, 'effect', v_effect, 'decided_by', v_actor, 'decided_at', now(),
        'recommended_option', v_e.recommendation ->> 'option',
        'recommendation_confidence', v_e.recommendation -> 'confidence');
    UPDATE public.escalations AS e
    SET status = 'resolved', resolved_at = now(), resolved_by = v_actor,
        decision_option = p_option, decision_reasoning = v_notes, expected_outcome = v_expected,
        fallback_plan = v_fallback, follow_up = v_follow_up, decision_effect = v_effect,
        followed_recommendation = (v_e.recommendation ->> 'option') IS NOT DISTINCT FROM p_option,
        resolution = v_log
    WHERE e.id = p_escalation_id;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'escalation.resolved', p_escalation_id::text,
            jsonb_build_object('trigger_type', v_e.trigger_type, 'work_order_id', v_e.work_order_id) || v_log);
    RETURN jsonb_build_object('escalation_id', p_escalation_id, 'status', 'resolved', 'option', p_option,
                              'decided_by', v_actor, 'effect', v_effect);
END
$$;

REVOKE ALL ON FUNCTION public.resolve_escalation(uuid, text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.resolve_escalation(uuid, text, text, text, text, text, jsonb)
    TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.resolve_escalation(uuid, text, text, text, text, text, jsonb) IS 'Decide an escalation: execute the option''s effect on the work order in this transaction and record the decision log (decision, reasoning = notes, expected outcome, fallback plan, follow-up, actor). Unknown option for the type: 22023; params other than the option declares (private.escalation_actions), or out of bounds: 22023; missing required notes: 22004; already decided: 55000. The log records the parameters applied.';
