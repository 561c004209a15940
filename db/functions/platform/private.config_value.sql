-- One config value as jsonb. A missing key is a configuration bug, so it is an error that says
-- which key, rather than a silent NULL that would disable a rule.
CREATE OR REPLACE FUNCTION private.config_value(p_key text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_value jsonb;
BEGIN
    SELECT c.value INTO v_value FROM public.system_config AS c WHERE c.key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'configuration key "%" is missing from system_config', p_key
            USING ERRCODE = 'P0002',
                  HINT = 'Run `moose migrate` to restore the seeded defaults, or insert the key.';
    END IF;
    RETURN v_value;
END
$$;

REVOKE ALL ON FUNCTION private.config_value(text) FROM PUBLIC;

COMMENT ON FUNCTION private.config_value(text) IS 'The jsonb value of a system_config key; error P0002 when absent.';
