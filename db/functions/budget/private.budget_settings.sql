-- The budget engine's config values in one read, for every budget function and above all the
-- reservation gate: one row of private.budget_config, the typed copy of system_config's budget
-- keys that a trigger keeps in step (reading system_config itself cost a scan, nine aggregates
-- and jsonb casts on every reservation). If the copy is missing or incomplete the values come
-- from system_config directly, and a key missing there is an error naming it, never a silent
-- NULL that would switch a rule off.
-- No SET search_path: not SECURITY DEFINER, executable only by its owner, called from the
-- budget functions whose own search_path is pinned (a SET here would save and restore the GUC
-- on every reservation).
CREATE OR REPLACE FUNCTION private.budget_settings() RETURNS private.budget_settings_t
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_config private.budget_config;
    v_key text;
BEGIN
    SELECT * INTO v_config FROM private.budget_config AS c;
    IF NOT FOUND OR NOT (v_config IS NOT NULL) THEN  -- IS NOT NULL on a row: every column set
        v_config := private.budget_config_from_system_config();
        IF NOT (v_config IS NOT NULL) THEN
            FOREACH v_key IN ARRAY ARRAY['budget_timezone', 'daily_budget_limit', 'max_single_reservation', 'reservation_ttl',
                                         'tier_warning_pct', 'tier_hard_cap_pct', 'tier_critical_pct',
                                         'tier_emergency_kill_pct', 'budget_hard_cap_model',
                                         'budget_force_hard_cap_model', 'budget_global_stripes'] LOOP
                PERFORM private.config_value(v_key);  -- raises P0002 naming the missing key
            END LOOP;
        END IF;
    END IF;
    -- budget_day: the same rule as private.budget_day(now()) (db/tests/021 checks they agree).
    RETURN ROW((now() AT TIME ZONE v_config.budget_timezone)::date, v_config.daily_limit,
               v_config.max_single_reservation, v_config.reservation_ttl, v_config.warning_pct,
               v_config.hard_cap_pct, v_config.critical_pct, v_config.kill_pct, v_config.hard_cap_model,
               v_config.force_hard_cap, v_config.global_stripes, v_config.scoped);
END
$$;

REVOKE ALL ON FUNCTION private.budget_settings() FROM PUBLIC;

COMMENT ON FUNCTION private.budget_settings() IS 'The budget config (today''s budget day, limit, largest reservation, reservation TTL, tier percentages, hard-cap model, whether it is forced) in one read of private.budget_config (system_config itself when that copy is missing); P0002 naming a missing key.';
