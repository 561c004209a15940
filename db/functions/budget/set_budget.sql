-- Creates or changes one budget (scope, key, period) with its limit: checked, audited with the
-- actor, and the stripes of its current period re-split to the new limit under their locks.
-- The global day budget is daily_budget_limit itself: set_budget('global', '*', 'day', x)
-- changes that key (validated and audited as any config change), and the runbook's
-- UPDATE of the key changes the budget. New budgets get budget_scope_stripes stripes (the
-- global day budget_global_stripes).
-- Lock order (docs/BUDGET.md, "Exactness under limit changes"): the config copy's row (one
-- budget change at a time), the budget's rows FOR UPDATE (the * row of the scope and period
-- first, then the key's own), then the stripes it re-splits. A first reservation of a new key
-- or period takes the same budget rows FOR SHARE before it creates stripes, so it either
-- creates them before this change (and they are re-split here) or after it (from the new
-- limit). The global day goes through update_config, whose trigger takes the same order.
CREATE OR REPLACE FUNCTION public.set_budget(p_scope text, p_key text, p_period text, p_limit numeric) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text;
    v_old public.budgets%ROWTYPE;
    v_actor text := private.current_actor();
    v_stripes integer;
    v_details jsonb;
BEGIN
    PERFORM private.check_required('limit', p_limit,
        'Pass the limit in USD, e.g. set_budget(''service'', ''architect'', ''day'', 20); remove_budget removes one.');
    -- NULL checks first (the error contract): the target is checked after the limit's NULL.
    v_key := private.budget_check_target(p_scope, p_key, p_period);
    IF p_limit = 'NaN'::numeric OR p_limit < 0 OR p_limit >= 1000000000 OR p_limit <> round(p_limit, 6) THEN
        RAISE EXCEPTION 'limit must be 0 to 999999999.999999 USD with at most 6 decimals, got %', p_limit
            USING ERRCODE = '22023', HINT = 'Pass the limit in USD rounded to micro-dollars; 0 refuses every call in the scope.';
    END IF;
    IF NOT (p_scope = 'global' AND p_period = 'day') THEN
        PERFORM 1 FROM private.budget_config AS c FOR UPDATE;
        PERFORM 1 FROM public.budgets AS b
        WHERE b.scope = p_scope AND b.period = p_period AND b.key IN (v_key, '*')
        ORDER BY b.key <> '*'
        FOR UPDATE;
    END IF;
    SELECT * INTO v_old FROM public.budgets AS b
    WHERE b.scope = p_scope AND b.key = v_key AND b.period = p_period;

    IF p_scope = 'global' AND p_period = 'day' THEN
        PERFORM public.update_config('daily_budget_limit', to_jsonb(p_limit));  -- syncs the row and stripes
    ELSE
        v_stripes := coalesce(v_old.stripes, private.config_numeric('budget_scope_stripes')::integer);
        INSERT INTO public.budgets (scope, key, period, budget_limit, stripes, updated_by)
        VALUES (p_scope, v_key, p_period, p_limit, v_stripes, v_actor)
        ON CONFLICT (scope, key, period) DO UPDATE
        SET budget_limit = EXCLUDED.budget_limit, updated_at = now(), updated_by = EXCLUDED.updated_by;
        PERFORM private.budget_resplit(p_scope, v_key, p_period, p_limit);
    END IF;

    v_details := jsonb_build_object('scope', p_scope, 'key', v_key, 'period', p_period, 'limit', p_limit,
                                    'previous_limit', v_old.budget_limit);
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.set_budget', format('budget:%s:%s:%s', p_scope, v_key, p_period), v_details);
    RETURN jsonb_build_object('scope', p_scope, 'key', v_key, 'period', p_period, 'limit', p_limit,
                              'previousLimit', v_old.budget_limit, 'created', v_old.scope IS NULL,
                              'stripes', (SELECT b.stripes FROM public.budgets AS b
                                          WHERE b.scope = p_scope AND b.key = v_key AND b.period = p_period),
                              'updatedBy', v_actor);
END
$$;

REVOKE ALL ON FUNCTION public.set_budget(text, text, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_budget(text, text, text, numeric) TO service_role, moose_runner;

COMMENT ON FUNCTION public.set_budget(text, text, text, numeric) IS 'Create or change a budget: scope global|service|project|work_order, key (name, work order id or * = each separately), period day|month|total, limit USD (>= 0, 6 decimals). Global day = daily_budget_limit. Audited; the current period''s stripes are re-split. Returns {scope, key, period, limit, previousLimit, created, stripes, updatedBy}.';
