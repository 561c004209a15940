-- The budget config must make sense as a whole, not only key by key (system_config_validate
-- checks each value's type and range): tier shares in order (warning <= hard cap <= critical
-- <= kill), a kill share above 0, a hard-cap model that model_policies knows, and a daily limit
-- in micro-dollars. Raised (22023, with a hint) by the statement trigger on system_config, so
-- the change that breaks it is refused and nothing is changed.
CREATE OR REPLACE FUNCTION private.budget_config_check(p_config private.budget_config) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (p_config.warning_pct <= p_config.hard_cap_pct AND p_config.hard_cap_pct <= p_config.critical_pct
            AND p_config.critical_pct <= p_config.kill_pct) THEN
        RAISE EXCEPTION 'budget tiers out of order: warning %, hard cap %, critical %, kill % (percent of the limit)',
                p_config.warning_pct, p_config.hard_cap_pct, p_config.critical_pct, p_config.kill_pct
            USING ERRCODE = '22023',
                  HINT = 'Keep tier_warning_pct <= tier_hard_cap_pct <= tier_critical_pct <= tier_emergency_kill_pct; change several keys in one UPDATE when moving them past each other.';
    END IF;
    IF p_config.kill_pct <= 0 THEN
        RAISE EXCEPTION 'tier_emergency_kill_pct must be above 0'
            USING ERRCODE = '22023',
                  HINT = 'A kill share of 0 would kill on the first cent; to stop all spend set daily_budget_limit to 0 or call emergency_kill(reason).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.model_policies AS m WHERE m.model = p_config.hard_cap_model) THEN
        RAISE EXCEPTION 'budget_hard_cap_model % is not in model_policies', left(p_config.hard_cap_model, 100)
            USING ERRCODE = '22023',
                  HINT = 'Name a model listed in model_policies (e.g. gpt-4o-mini), or add it there first.';
    END IF;
    IF p_config.daily_limit <> round(p_config.daily_limit, 6) THEN
        RAISE EXCEPTION 'daily_budget_limit % has more than 6 decimal places', p_config.daily_limit
            USING ERRCODE = '22023', HINT = 'Round the limit to micro-dollars (6 decimal places).';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_config_check(private.budget_config) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_config_check(private.budget_config) IS 'Refuse (22023) an incoherent budget config: tiers out of order, kill share 0, unknown hard-cap model, limit over 6 decimals.';
