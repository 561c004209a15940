-- The spend tier of a day, as shares of the daily limit (runbook 1.3): normal, warning,
-- hard_cap, critical, emergency_kill. A limit of 0 (the runbook's own stop) is emergency_kill.
-- A plain SQL expression with no SET clause, so the planner inlines it into the calling
-- statement (the reservation gate evaluates it on every call); it only does arithmetic on its
-- arguments, and its callers pin search_path.
CREATE OR REPLACE FUNCTION private.budget_tier(p_spent numeric, p_settings private.budget_settings_t) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_settings.daily_limit <= 0 THEN 'emergency_kill'
        WHEN 100 * p_spent >= p_settings.kill_pct * p_settings.daily_limit THEN 'emergency_kill'
        WHEN 100 * p_spent >= p_settings.critical_pct * p_settings.daily_limit THEN 'critical'
        WHEN 100 * p_spent >= p_settings.hard_cap_pct * p_settings.daily_limit THEN 'hard_cap'
        WHEN 100 * p_spent >= p_settings.warning_pct * p_settings.daily_limit THEN 'warning'
        ELSE 'normal'
    END
$$;

REVOKE ALL ON FUNCTION private.budget_tier(numeric, private.budget_settings_t) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_tier(numeric, private.budget_settings_t) IS 'Spend tier for a settled spend under the given settings: normal < warning_pct <= warning < hard_cap_pct <= hard_cap < critical_pct <= critical < kill_pct <= emergency_kill (limit 0: emergency_kill).';
