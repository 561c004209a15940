-- The runbook's /api/budget-status answer (runbook 1.3) from the ledger (one row, no SUM):
-- {daily_total, limit, percentage, status} plus budget_day, tier, reserved, remaining and the
-- kill switch state, and the three fullest budgets besides the global day one (budget_usage).
CREATE OR REPLACE FUNCTION public.budget_status() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_day date := private.budget_day(now());
    v_s private.budget_settings_t := private.budget_settings();
    v_spent numeric;
    v_reserved numeric;
    v_ks public.budget_kill_switch%ROWTYPE;
    v_total numeric;
    v_percentage numeric;
BEGIN
    SELECT coalesce(sum(g.spent), 0), coalesce(sum(g.reserved), 0) INTO v_spent, v_reserved
    FROM public.budget_stripes AS g
    WHERE g.scope_rank = 1 AND g.key = '*' AND g.period = 'day' AND g.period_start = v_day;
    SELECT * INTO v_ks FROM public.budget_kill_switch AS ks WHERE ks.id;
    v_total := v_spent;
    v_percentage := CASE WHEN v_s.daily_limit > 0 THEN round(100 * v_total / v_s.daily_limit, 2) ELSE 100 END;
    RETURN jsonb_build_object(
        'daily_total', v_total,
        'limit', v_s.daily_limit,
        'percentage', v_percentage,
        'status', CASE WHEN coalesce(v_ks.active, false) OR 100 * v_total >= v_s.critical_pct * v_s.daily_limit THEN 'critical'
                       WHEN 100 * v_total >= v_s.warning_pct * v_s.daily_limit THEN 'warning'
                       ELSE 'healthy' END,
        'budget_day', v_day,
        'tier', private.budget_tier(v_total, v_s),
        'force_hard_cap_model', v_s.force_hard_cap,
        'reserved', v_reserved,
        'carried_in', 0,
        'remaining', greatest(v_s.daily_limit - v_total - v_reserved, 0),
        'fullest_scopes', coalesce((SELECT jsonb_agg(to_jsonb(u) ORDER BY u.percentage DESC, u.scope, u.key, u.period)
                                    FROM (SELECT * FROM public.budget_usage() AS x
                                          WHERE NOT (x.scope = 'global' AND x.period = 'day')
                                          ORDER BY x.percentage DESC, x.scope, x.key, x.period LIMIT 3) AS u), '[]'::jsonb),
        'kill_switch', jsonb_build_object(
            'active', coalesce(v_ks.active, false),
            'reason', v_ks.reason,
            'automatic', v_ks.automatic,
            'killed_at', v_ks.killed_at,
            'killed_by', v_ks.killed_by,
            'resumed_at', v_ks.resumed_at,
            'resumed_by', v_ks.resumed_by)
    );
END
$$;

REVOKE ALL ON FUNCTION public.budget_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.budget_status() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.budget_status() IS 'Today''s budget as the runbook''s /api/budget-status shows it: {daily_total, limit, percentage, status (healthy|warning|critical)} plus budget_day, tier, force_hard_cap_model (budget_force_hard_cap_model), reserved, carried_in, remaining, fullest_scopes (the three fullest scoped budgets, as budget_usage rows) and kill_switch {active, reason, automatic, killed_at, killed_by, resumed_at, resumed_by}. Reads the ledger row, never sums cost_tracking.';
