-- The budget day an instant belongs to: the calendar date in the configured budget time zone,
-- so a new day is a new ledger row and no reset job exists.
CREATE OR REPLACE FUNCTION private.budget_day(p_at timestamptz DEFAULT now()) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (p_at AT TIME ZONE private.config_text('budget_timezone'))::date;
$$;

REVOKE ALL ON FUNCTION private.budget_day(timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_day(timestamptz) IS 'Calendar date of an instant in the budget time zone (system_config.budget_timezone).';
