-- A text config value (time zone, model names).
CREATE OR REPLACE FUNCTION private.config_text(p_key text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT private.config_value(p_key) #>> '{}';
$$;

REVOKE ALL ON FUNCTION private.config_text(text) FROM PUBLIC;

COMMENT ON FUNCTION private.config_text(text) IS 'A system_config value as text.';
