-- The budget keys of system_config as one typed row, straight from system_config. Used to
-- rewrite the private.budget_config copy when the config changes, and by budget_settings()
-- when that copy is missing. Also whether any scoped budget exists (public.budgets). A missing key is a NULL column here; budget_settings() turns it
-- into an error naming the key.
CREATE OR REPLACE FUNCTION private.budget_config_from_system_config() RETURNS private.budget_config
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT true,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_timezone'),
           max(c.value #>> '{}') FILTER (WHERE c.key = 'daily_budget_limit')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'max_single_reservation')::numeric,
           private.duration(max(c.value #>> '{}') FILTER (WHERE c.key = 'reservation_ttl')::interval),
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_warning_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_hard_cap_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_critical_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'tier_emergency_kill_pct')::numeric,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_hard_cap_model'),
           now(),
           max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_force_hard_cap_model')::boolean,
           max(c.value #>> '{}') FILTER (WHERE c.key = 'budget_global_stripes')::integer,
           EXISTS (SELECT 1 FROM public.budgets AS b WHERE NOT (b.scope = 'global' AND b.period = 'day'))
    FROM public.system_config AS c
    WHERE c.key IN ('budget_timezone', 'daily_budget_limit', 'max_single_reservation', 'reservation_ttl',
                    'tier_warning_pct', 'tier_hard_cap_pct', 'tier_critical_pct', 'tier_emergency_kill_pct',
                    'budget_hard_cap_model', 'budget_force_hard_cap_model', 'budget_global_stripes');
$$;

REVOKE ALL ON FUNCTION private.budget_config_from_system_config() FROM PUBLIC;

COMMENT ON FUNCTION private.budget_config_from_system_config() IS 'The budget keys of system_config as one private.budget_config row (a missing key is NULL), read from system_config itself.';
