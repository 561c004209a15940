-- Re-splits a budget's allowances after its limit changed (or an override came or went):
-- for the current period (and any later one already open), every stripe keeps what it holds
-- (spent + reserved) plus an equal share of what the new limit leaves (stripe 0 takes the
-- rounding remainder; a limit below what is held gives negative shares, so nothing more is
-- admitted). A * budget re-splits every key it governs (keys with their own row excepted).
-- Takes the stripes' locks in lock order first and re-splits exactly the stripes it locked
-- (docs/BUDGET.md, "Exactness under limit changes"): its callers hold the budget's rows FOR
-- UPDATE, so no stripe of these keys is created meanwhile, and a stripe it did not lock would
-- not be touched anyway.
CREATE OR REPLACE FUNCTION private.budget_resplit(p_scope text, p_key text, p_period text, p_limit numeric) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rank smallint := private.budget_scope_rank(p_scope);
    v_start date := private.budget_period_start(p_period, private.budget_day(now()));
    v_keys text[];
    v_starts date[];
    v_stripes smallint[];
BEGIN
    WITH locked AS (
        SELECT s.key, s.period_start, s.stripe FROM public.budget_stripes AS s
        WHERE s.scope_rank = v_rank AND s.period = p_period AND s.period_start >= v_start
          AND (s.key = p_key OR (p_key = '*' AND NOT EXISTS (
                  SELECT 1 FROM public.budgets AS b WHERE b.scope = p_scope AND b.period = p_period AND b.key = s.key)))
        ORDER BY s.scope_rank, s.key, s.period, s.period_start, s.stripe
        FOR NO KEY UPDATE
    )
    SELECT array_agg(l.key), array_agg(l.period_start), array_agg(l.stripe) INTO v_keys, v_starts, v_stripes
    FROM locked AS l;
    IF v_keys IS NULL THEN
        RETURN;
    END IF;
    UPDATE public.budget_stripes AS s
    SET allowance = s.spent + s.reserved + g.share + CASE WHEN s.stripe = g.first THEN g.free - g.share * g.n ELSE 0 END
    FROM (SELECT t.key, t.period_start, count(*) AS n, min(t.stripe) AS first,
                 p_limit - sum(t.spent + t.reserved) AS free,
                 trunc((p_limit - sum(t.spent + t.reserved)) / count(*), 6) AS share
          FROM public.budget_stripes AS t
          JOIN unnest(v_keys, v_starts, v_stripes) AS l(key, period_start, stripe)
            ON t.key = l.key AND t.period_start = l.period_start AND t.stripe = l.stripe
          WHERE t.scope_rank = v_rank AND t.period = p_period
          GROUP BY t.key, t.period_start) AS g,
         unnest(v_keys, v_starts, v_stripes) AS l(key, period_start, stripe)
    WHERE s.scope_rank = v_rank AND s.period = p_period AND s.key = g.key AND s.period_start = g.period_start
      AND l.key = s.key AND l.period_start = s.period_start AND l.stripe = s.stripe;
END
$$;

REVOKE ALL ON FUNCTION private.budget_resplit(text, text, text, numeric) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_resplit(text, text, text, numeric) IS 'Re-split a budget''s stripe allowances for its current (and later open) periods after a limit change: held amounts kept, the rest shared evenly, over exactly the stripes it locked.';
