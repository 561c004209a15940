-- An interval config value (thresholds, retention, windows).
CREATE OR REPLACE FUNCTION private.config_interval(p_key text) RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (private.config_value(p_key) #>> '{}')::interval;
$$;

REVOKE ALL ON FUNCTION private.config_interval(text) FROM PUBLIC;

COMMENT ON FUNCTION private.config_interval(text) IS 'A system_config value as interval.';
