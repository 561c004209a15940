-- A numeric config value (limits, percentages, counts).
CREATE OR REPLACE FUNCTION private.config_numeric(p_key text) RETURNS numeric
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (private.config_value(p_key) #>> '{}')::numeric;
$$;

REVOKE ALL ON FUNCTION private.config_numeric(text) FROM PUBLIC;

COMMENT ON FUNCTION private.config_numeric(text) IS 'A system_config value as numeric.';
