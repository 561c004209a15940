-- Removes one budget: calls stop being checked against it from now on. Spend already booked
-- stays on its stripes (budget_usage stops showing them), and reservations it admitted still
-- settle, release and expire on them. Removing a specific key's row puts the key back under
-- the * row, whose limit its stripes are re-split to. The global day budget cannot be removed
-- (it is daily_budget_limit). Audited. Lock order as set_budget's: the config copy's row, the
-- * row, the key's own row (the DELETE), its stripes; a first reservation that would create
-- the key's stripes waits, then reads the budget in force (docs/BUDGET.md).
CREATE OR REPLACE FUNCTION public.remove_budget(p_scope text, p_key text, p_period text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text := private.budget_check_target(p_scope, p_key, p_period);
    v_old public.budgets%ROWTYPE;
    v_star numeric;
    v_actor text := private.current_actor();
BEGIN
    IF p_scope = 'global' AND p_period = 'day' THEN
        RAISE EXCEPTION 'the global day budget cannot be removed'
            USING ERRCODE = '22023', HINT = 'It is daily_budget_limit: change it with set_budget(''global'', ''*'', ''day'', limit); 0 stops all spend.';
    END IF;
    PERFORM 1 FROM private.budget_config AS c FOR UPDATE;
    PERFORM 1 FROM public.budgets AS b
    WHERE b.scope = p_scope AND b.period = p_period AND b.key IN (v_key, '*')
    ORDER BY b.key <> '*'
    FOR UPDATE;
    DELETE FROM public.budgets AS b WHERE b.scope = p_scope AND b.key = v_key AND b.period = p_period
    RETURNING * INTO v_old;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % budget for % per %', p_scope, left(v_key, 100), p_period
            USING ERRCODE = 'P0002', HINT = 'See budget_usage() or table budgets for the budgets that exist.';
    END IF;
    IF v_key <> '*' THEN
        SELECT b.budget_limit INTO v_star FROM public.budgets AS b
        WHERE b.scope = p_scope AND b.key = '*' AND b.period = p_period;
        IF FOUND THEN
            PERFORM private.budget_resplit(p_scope, v_key, p_period, v_star);
        END IF;
    END IF;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.remove_budget', format('budget:%s:%s:%s', p_scope, v_key, p_period),
            jsonb_build_object('scope', p_scope, 'key', v_key, 'period', p_period, 'limit', v_old.budget_limit));
    RETURN jsonb_build_object('scope', p_scope, 'key', v_key, 'period', p_period, 'removed', true,
                              'limit', v_old.budget_limit, 'removedBy', v_actor);
END
$$;

REVOKE ALL ON FUNCTION public.remove_budget(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.remove_budget(text, text, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.remove_budget(text, text, text) IS 'Remove a budget (scope, key, period): no longer checked; booked spend stays on its stripes. The global day budget cannot be removed (22023). Unknown: P0002. Audited.';
