-- The budget engine's config values in one read, so the hot path pays for one query over
-- system_config instead of one per key. A missing key is an error naming it, never a silent
-- NULL that would switch a rule off.
CREATE OR REPLACE FUNCTION private.budget_settings()
RETURNS private.budget_settings_t
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_s private.budget_settings_t;
    v_key text;
BEGIN
    -- budget_day: the same rule as private.budget_day(now()), with the time zone read here
    -- in the same query (db/tests/021 checks they agree).
    SELECT (now() AT TIME ZONE max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_timezone'))::date,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'daily_budget_limit')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'max_single_reservation')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'reservation_ttl')::interval,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_warning_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_hard_cap_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_critical_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_emergency_kill_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_hard_cap_model')
    INTO v_s.budget_day, v_s.daily_limit, v_s.max_single_reservation, v_s.reservation_ttl, v_s.warning_pct,
         v_s.hard_cap_pct, v_s.critical_pct, v_s.kill_pct, v_s.hard_cap_model
    FROM public.system_config AS c
    WHERE c.key IN ('budget_timezone', 'daily_budget_limit', 'max_single_reservation', 'reservation_ttl', 'tier_warning_pct',
                    'tier_hard_cap_pct', 'tier_critical_pct', 'tier_emergency_kill_pct', 'budget_hard_cap_model');

    IF v_s.budget_day IS NULL OR v_s.daily_limit IS NULL OR v_s.max_single_reservation IS NULL OR v_s.reservation_ttl IS NULL
       OR v_s.warning_pct IS NULL OR v_s.hard_cap_pct IS NULL OR v_s.critical_pct IS NULL
       OR v_s.kill_pct IS NULL OR v_s.hard_cap_model IS NULL THEN
        FOREACH v_key IN ARRAY ARRAY['budget_timezone', 'daily_budget_limit', 'max_single_reservation', 'reservation_ttl',
                                     'tier_warning_pct', 'tier_hard_cap_pct', 'tier_critical_pct',
                                     'tier_emergency_kill_pct', 'budget_hard_cap_model'] LOOP
            PERFORM private.config_value(v_key);  -- raises P0002 naming the missing key
        END LOOP;
    END IF;
    RETURN v_s;
END
$$;

REVOKE ALL ON FUNCTION private.budget_settings() FROM PUBLIC;

COMMENT ON FUNCTION private.budget_settings() IS
    'The budget config (today''s budget day, limit, largest reservation, reservation TTL, tier percentages, hard-cap model) in one read; P0002 naming a missing key.';
