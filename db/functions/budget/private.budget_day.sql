-- The budget day an instant belongs to: the calendar date in the configured budget time zone,
-- so a new day is a new ledger row and no reset job exists.
CREATE OR REPLACE FUNCTION private.budget_day(p_at timestamptz DEFAULT now()) RETURNS date
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- The zone from the gate's typed copy of the config (one row, kept in step with
    -- system_config by trigger system_config_budget_config), else from system_config itself.
    -- PL/pgSQL so that the statement is planned once per session: settles call this twice.
    RETURN (p_at AT TIME ZONE coalesce((SELECT c.budget_timezone FROM private.budget_config AS c),
                                       private.config_text('budget_timezone')))::date;
END
$$;

REVOKE ALL ON FUNCTION private.budget_day(timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_day(timestamptz) IS 'Calendar date of an instant in the budget time zone (system_config.budget_timezone).';
