-- The runbook's /api/budget-status answer (runbook 1.3): today's spend against the limit.
-- Foundation version reads cost_tracking; the budget engine replaces it with the ledger and adds
-- tier, reserved and the kill state, keeping these four keys.
CREATE OR REPLACE FUNCTION public.budget_status()
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_day date := private.budget_day(now());
    v_limit numeric := private.config_numeric('daily_budget_limit');
    v_total numeric;
    v_percentage numeric;
BEGIN
    SELECT coalesce(sum(c.cost), 0) INTO v_total
    FROM public.cost_tracking AS c
    WHERE c.created_at >= private.budget_day_start(v_day)
      AND c.created_at < private.budget_day_start(v_day + 1);
    v_percentage := CASE WHEN v_limit > 0 THEN round(100 * v_total / v_limit, 2) ELSE 100 END;
    RETURN jsonb_build_object(
        'daily_total', v_total,
        'limit', v_limit,
        'percentage', v_percentage,
        'status', CASE WHEN v_percentage >= private.config_numeric('tier_critical_pct') THEN 'critical'
                       WHEN v_percentage >= private.config_numeric('tier_warning_pct') THEN 'warning'
                       ELSE 'healthy' END,
        'budget_day', v_day
    );
END
$$;

REVOKE ALL ON FUNCTION public.budget_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.budget_status() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.budget_status() IS
    'Today''s budget as the runbook''s /api/budget-status shows it: {daily_total, limit, percentage, status}, status healthy, warning or critical.';
