-- Effect "raise_budget_cap" (system-wide, on the budget named by a budget_cap_reached
-- escalation's context {scope, key, period}): that budget's limit := params.value, through
-- set_budget (checked, audited, stripes re-split). The value must be an increase over the limit
-- that applies now (the key's own row, else the * row) and at most
-- escalation_budget_raise_max_multiple times it; anything else is 22023 with the allowed range.
-- A * budget gets its own row for this key, so only the capped service or work order is raised.
CREATE OR REPLACE FUNCTION private.escalation_effect_raise_budget_cap(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_scope text := p_escalation.context ->> 'scope';
    v_key text := p_escalation.context ->> 'key';
    v_period text := p_escalation.context ->> 'period';
    v_multiple numeric := private.config_numeric('escalation_budget_raise_max_multiple');
    v_limit numeric;
    v_max numeric;
    v_value numeric := (p_params ->> 'value')::numeric;
BEGIN
    SELECT b.budget_limit INTO v_limit
    FROM public.budgets AS b
    WHERE b.scope = v_scope AND b.key IN (v_key, '*') AND b.period = v_period
    ORDER BY b.key = '*'
    LIMIT 1;
    IF v_limit IS NULL THEN
        RAISE EXCEPTION 'escalation % names no budget that applies now (% % %)', p_escalation.id,
                        coalesce(v_scope, 'NULL'), coalesce(v_key, 'NULL'), coalesce(v_period, 'NULL')
            USING ERRCODE = '55000',
                  HINT = 'The budget was removed or the escalation is not a budget_cap_reached one: choose another option, or set_budget directly.';
    END IF;
    v_max := round(v_limit * v_multiple, 6);
    IF v_value <= v_limit OR v_value > v_max THEN
        RAISE EXCEPTION 'params.value must raise the % % budget of % % (limit %): above it and at most %, got %',
                        v_period, v_scope, v_scope, v_key, v_limit, v_max, v_value
            USING ERRCODE = '22023',
                  HINT = CASE WHEN v_limit = 0
                              THEN 'The limit is 0, so no raise fits a multiple of it: set the budget with set_budget, or remove it with remove_budget.'
                              ELSE format('Pass a value in (%s, %s] (escalation_budget_raise_max_multiple = %s); lower a cap with set_budget.',
                                          v_limit, v_max, v_multiple) END;
    END IF;
    PERFORM public.set_budget(v_scope, v_key, v_period, v_value);
    RETURN jsonb_build_object('action', 'raise_budget_cap', 'scope', v_scope, 'key', v_key, 'period', v_period,
                              'old_value', to_jsonb(v_limit), 'new_value', to_jsonb(v_value));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_raise_budget_cap(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_raise_budget_cap(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect raise_budget_cap: the budget in the escalation''s context (scope, key, period) to params.value via set_budget, above its current limit and at most escalation_budget_raise_max_multiple times it (22023 otherwise).';
