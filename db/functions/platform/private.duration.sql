-- A length of time as a fixed number of seconds (a day is 24 hours, a month 30 days, as
-- system_config's range check counts an interval). timestamptz + interval '1 day' is calendar
-- arithmetic in the session's TimeZone (23 or 25 hours across a DST change there), so every
-- duration the ops core adds to or subtracts from an instant (retention periods, windows, SLAs,
-- job intervals, leases, TTLs) goes through this first: the same call then gives the same
-- instant from any session zone. Rules about budget days use the budget zone explicitly instead
-- (private.budget_day, private.budget_day_start). Plain IMMUTABLE SQL without SET, so it is
-- inlined into its callers (pinned search_path).
CREATE OR REPLACE FUNCTION private.duration(p_interval interval) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(epoch FROM p_interval) * interval '1 second'
$$;

REVOKE ALL ON FUNCTION private.duration(interval) FROM PUBLIC;

COMMENT ON FUNCTION private.duration(interval) IS 'An interval as a fixed number of seconds (1 day = 24 h, 1 month = 30 days), so adding it to a timestamptz gives the same instant in every session TimeZone.';
