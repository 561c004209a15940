-- The instant a budget day begins: midnight in the configured budget time zone.
CREATE OR REPLACE FUNCTION private.budget_day_start(p_day date) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_day::timestamp AT TIME ZONE private.config_text('budget_timezone');
$$;

REVOKE ALL ON FUNCTION private.budget_day_start(date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_day_start(date) IS 'Midnight of a budget day in the budget time zone, as timestamptz.';
