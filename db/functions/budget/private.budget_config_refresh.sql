-- Rewrites private.budget_config, the one-row copy of the budget keys that the reservation
-- gate reads, from system_config. Called by the system_config_budget_config trigger in the
-- transaction that changed the config, so the copy commits (or rolls back) with the change.
-- The row lock comes first, in its own statement: a second transaction changing another key
-- at the same time waits here, then reads the config with a new snapshot that includes the
-- first one's commit, so neither change is lost from the copy.
CREATE OR REPLACE FUNCTION private.budget_config_refresh() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM 1 FROM private.budget_config AS c FOR UPDATE;
    INSERT INTO private.budget_config
    SELECT * FROM private.budget_config_from_system_config()
    ON CONFLICT (singleton) DO UPDATE
    SET budget_timezone = EXCLUDED.budget_timezone,
        daily_limit = EXCLUDED.daily_limit,
        max_single_reservation = EXCLUDED.max_single_reservation,
        reservation_ttl = EXCLUDED.reservation_ttl,
        warning_pct = EXCLUDED.warning_pct,
        hard_cap_pct = EXCLUDED.hard_cap_pct,
        critical_pct = EXCLUDED.critical_pct,
        kill_pct = EXCLUDED.kill_pct,
        hard_cap_model = EXCLUDED.hard_cap_model,
        refreshed_at = EXCLUDED.refreshed_at,
        force_hard_cap = EXCLUDED.force_hard_cap,
        global_stripes = EXCLUDED.global_stripes,
        scoped = EXCLUDED.scoped;
END
$$;

REVOKE ALL ON FUNCTION private.budget_config_refresh() FROM PUBLIC;

COMMENT ON FUNCTION private.budget_config_refresh() IS 'Rewrites private.budget_config (the budget gate''s copy of its config keys) from system_config; run by trigger system_config_budget_config.';
