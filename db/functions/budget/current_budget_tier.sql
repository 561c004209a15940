-- Today's spend tier (runbook 1.3) for callers that only need the tier.
CREATE OR REPLACE FUNCTION public.current_budget_tier() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_spent numeric;
BEGIN
    SELECT sum(g.spent) INTO v_spent FROM public.budget_stripes AS g
    WHERE g.scope_rank = 1 AND g.key = '*' AND g.period = 'day' AND g.period_start = private.budget_day(now());
    RETURN private.budget_tier(coalesce(v_spent, 0), private.budget_settings());
END
$$;

REVOKE ALL ON FUNCTION public.current_budget_tier() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_budget_tier() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.current_budget_tier() IS 'Today''s spend tier: normal, warning, hard_cap, critical or emergency_kill (shares of the daily limit from system_config).';
