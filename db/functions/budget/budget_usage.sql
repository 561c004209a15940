-- Every budget's use in its current period, fullest first: one row per budget and key (a *
-- budget gives one row per key it governs that has spent or reserved in the period), with the
-- period start (NULL for total), limit, spent, reserved, remaining and percentage of the limit
-- used (spent + reserved). Read from the stripes, no sums over cost rows. p_scope narrows it
-- to one scope.
CREATE OR REPLACE FUNCTION public.budget_usage(p_scope text DEFAULT NULL)
RETURNS TABLE (scope text, key text, budget_key text, period text, period_start date, budget_limit numeric,
               spent numeric, reserved numeric, remaining numeric, percentage numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_day date := private.budget_day(now());
BEGIN
    IF p_scope IS NOT NULL AND p_scope NOT IN ('global', 'service', 'project', 'work_order') THEN
        RAISE EXCEPTION 'unknown budget scope %', left(p_scope, 100)
            USING ERRCODE = '22023', HINT = 'Use global, service, project or work_order, or NULL for all.';
    END IF;
    RETURN QUERY
    WITH b AS (
        SELECT bb.scope, bb.key, bb.period, bb.budget_limit, private.budget_scope_rank(bb.scope) AS rank,
               private.budget_period_start(bb.period, v_day) AS ps
        FROM public.budgets AS bb
        WHERE p_scope IS NULL OR bb.scope = p_scope
    ), used AS (
        SELECT b.scope, s.key, b.key AS budget_key, b.period, b.ps, b.budget_limit,
               sum(s.spent) AS spent, sum(s.reserved) AS reserved
        FROM b
        JOIN public.budget_stripes AS s
          ON s.scope_rank = b.rank AND s.period = b.period AND s.period_start = b.ps
         AND (s.key = b.key OR (b.key = '*' AND NOT EXISTS (
                 SELECT 1 FROM public.budgets AS o WHERE o.scope = b.scope AND o.period = b.period AND o.key = s.key)))
        GROUP BY b.scope, s.key, b.key, b.period, b.ps, b.budget_limit
        UNION ALL
        SELECT b.scope, b.key, b.key, b.period, b.ps, b.budget_limit, 0, 0
        FROM b
        WHERE (b.key <> '*' OR b.scope = 'global')
          AND NOT EXISTS (SELECT 1 FROM public.budget_stripes AS s
                          WHERE s.scope_rank = b.rank AND s.key = b.key AND s.period = b.period AND s.period_start = b.ps)
    )
    SELECT u.scope, u.key, u.budget_key, u.period, CASE WHEN u.period <> 'total' THEN u.ps END,
           u.budget_limit, u.spent, u.reserved, greatest(u.budget_limit - u.spent - u.reserved, 0),
           CASE WHEN u.budget_limit > 0 THEN round(100 * (u.spent + u.reserved) / u.budget_limit, 2) ELSE 100 END
    FROM used AS u
    ORDER BY 10 DESC, 1, 2, 4;
END
$$;

REVOKE ALL ON FUNCTION public.budget_usage(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.budget_usage(text) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.budget_usage(text) IS 'Each budget (per key for * budgets) in its current period: scope, key, budget_key, period, period_start (NULL for total), budget_limit, spent, reserved, remaining, percentage (spent + reserved of the limit); fullest first. p_scope: global, service, project, work_order or NULL for all.';
