-- An interval config value (thresholds, retention, windows), as a fixed length of time
-- (private.duration: "90 days" is 2160 hours): the callers add it to or subtract it from an
-- instant, and that must give the same instant in every session TimeZone (a retention cutoff
-- computed as now() - '90 days' in America/New_York across a DST change is an hour off UTC's).
CREATE OR REPLACE FUNCTION private.config_interval(p_key text) RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT private.duration((private.config_value(p_key) #>> '{}')::interval);
$$;

REVOKE ALL ON FUNCTION private.config_interval(text) FROM PUBLIC;

COMMENT ON FUNCTION private.config_interval(text) IS 'A system_config value as a fixed-length interval (private.duration: a day is 24 hours), the same added to an instant in any session TimeZone.';
