-- Effect "raise_daily_budget" (system-wide): daily_budget_limit := params.value, which must be an
-- increase over today's limit (budget_status().limit) and at most escalation_budget_raise_max_multiple
-- times it; anything else (0, which stops all spend, or a million) is 22023 with the allowed
-- range. Lowering the limit or stopping spend is a config change or the kill switch, not this
-- decision.
CREATE OR REPLACE FUNCTION private.escalation_effect_raise_daily_budget(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_limit numeric;
    v_max numeric;
    v_value numeric;
BEGIN
    v_limit := (public.budget_status() ->> 'limit')::numeric;
    v_max := round(v_limit * private.config_numeric('escalation_budget_raise_max_multiple'), 2);
    v_value := (p_params ->> 'value')::numeric;
    IF v_value <= v_limit OR v_value > v_max THEN
        RAISE EXCEPTION 'params.value must raise today''s daily budget limit %: above it and at most %, got %', v_limit, v_max, v_value
            USING ERRCODE = '22023',
                  HINT = format('Pass a value in (%s, %s] (escalation_budget_raise_max_multiple = %s); lower the limit with update_config, stop spend with emergency_kill.',
                                v_limit, v_max, private.config_numeric('escalation_budget_raise_max_multiple'));
    END IF;
    PERFORM public.update_config('daily_budget_limit', to_jsonb(v_value));
    RETURN jsonb_build_object('action', 'raise_daily_budget', 'key', 'daily_budget_limit',
                              'old_value', to_jsonb(v_limit), 'new_value', to_jsonb(v_value));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_raise_daily_budget(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_raise_daily_budget(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect raise_daily_budget: daily_budget_limit to params.value, above today''s limit and at most escalation_budget_raise_max_multiple times it (22023 otherwise).';
