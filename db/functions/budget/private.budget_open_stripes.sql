-- Creates a budget's stripes for one period where they are missing (the period's first
-- reservation or cost creates them: no reset job), from the limit and stripe count IN FORCE,
-- read under the budget's row locks (docs/BUDGET.md, "Exactness under limit changes"): the
-- budgets rows that can apply to the key (the * row, then the key's own) are locked FOR SHARE
-- and the budget in force (the key's own row over the * row) is read in the next statement,
-- whose snapshot sees every change committed before the locks were granted. set_budget,
-- remove_budget and a change of daily_budget_limit or budget_global_stripes lock those rows
-- FOR UPDATE, so a creation and a limit change serialize: stripes created first are re-split
-- by the change, stripes created after it start from the new limit. Concurrent creators read
-- the same limit and count, so their inserts are identical (ON CONFLICT DO NOTHING).
-- The limit is split evenly (stripe 0 takes the rounding remainder); when some stripes exist
-- (the count was raised) the missing ones are added with allowance 0 and the next slow path
-- re-splits the slack. A global day stripe copies the kill switch.
-- p_stripes is the caller's count: when at least that many stripes exist, nothing is created
-- or locked and it is returned. Otherwise returns the count in force, or NULL when no budget
-- applies any more (removed meanwhile); the global day budget always applies (its row follows
-- daily_budget_limit, private.budget_settings() when the row is missing).
CREATE OR REPLACE FUNCTION private.budget_open_stripes(
    p_rank smallint, p_scope text, p_key text, p_period text, p_start date, p_stripes integer
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing integer;
    v_limit numeric;
    v_stripes integer;
    v_share numeric;
    v_killed boolean := false;
    v_s private.budget_settings_t;
BEGIN
    SELECT count(*) INTO v_existing FROM public.budget_stripes AS s
    WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start;
    IF v_existing >= p_stripes THEN
        RETURN p_stripes;
    END IF;
    -- The budget's rows in lock order (the * row first), then the one in force, fresh.
    PERFORM 1 FROM public.budgets AS b
    WHERE b.scope = p_scope AND b.period = p_period AND b.key IN (p_key, '*')
    ORDER BY b.key <> '*'
    FOR SHARE;
    SELECT b.budget_limit, b.stripes INTO v_limit, v_stripes FROM public.budgets AS b
    WHERE b.scope = p_scope AND b.period = p_period AND b.key IN (p_key, '*')
    ORDER BY b.key = '*'
    LIMIT 1;
    IF NOT FOUND THEN
        IF NOT (p_rank = 1 AND p_period = 'day') THEN
            RETURN NULL;
        END IF;
        v_s := private.budget_settings();
        v_limit := v_s.daily_limit;
        v_stripes := v_s.global_stripes;
    END IF;
    SELECT count(*) INTO v_existing FROM public.budget_stripes AS s
    WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start;
    IF v_existing >= v_stripes THEN
        RETURN v_stripes;
    END IF;
    IF p_rank = 1 AND p_period = 'day' THEN
        SELECT ks.active INTO v_killed FROM public.budget_kill_switch AS ks WHERE ks.id;
    END IF;
    v_share := trunc(greatest(v_limit, 0) / v_stripes, 6);
    INSERT INTO public.budget_stripes (scope_rank, scope, key, period, period_start, stripe, allowance, killed)
    SELECT p_rank, p_scope, p_key, p_period, p_start, i,
           CASE WHEN v_existing > 0 THEN 0
                WHEN i = 0 THEN greatest(v_limit, 0) - v_share * (v_stripes - 1)
                ELSE v_share END,
           coalesce(v_killed, false)
    FROM generate_series(0, v_stripes - 1) AS i
    ORDER BY i
    ON CONFLICT DO NOTHING;
    RETURN v_stripes;
END
$$;

REVOKE ALL ON FUNCTION private.budget_open_stripes(smallint, text, text, text, date, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_open_stripes(smallint, text, text, text, date, integer) IS 'Create a budget''s stripes for a period if missing, from the limit and stripe count in force read under the budget''s row locks (FOR SHARE); returns the count in force (the caller''s when enough exist), NULL when no budget applies.';
