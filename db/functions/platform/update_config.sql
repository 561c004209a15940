-- The API way to change a tunable: validation and the audit row come from system_config's
-- triggers, so a DBA's direct UPDATE is held to the same rules.
CREATE OR REPLACE FUNCTION public.update_config(p_key text, p_value jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_row public.system_config%ROWTYPE;
BEGIN
    PERFORM private.check_text('config key', p_key, 63, 'List the keys with: SELECT key, description FROM system_config;');
    PERFORM private.check_required('config value', p_value,
        'Pass a JSON value, e.g. ''100''::jsonb or ''"2 hours"''::jsonb.');
    UPDATE public.system_config AS c
    SET value = p_value
    WHERE c.key = p_key
    RETURNING * INTO v_row;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown configuration key %', coalesce(quote_literal(left(p_key, 80)), 'NULL')
            USING ERRCODE = 'P0002', HINT = 'List the keys with: SELECT key, description FROM system_config;';
    END IF;
    RETURN jsonb_build_object('key', v_row.key, 'value', v_row.value, 'updated_at', v_row.updated_at,
                              'updated_by', v_row.updated_by);
END
$$;

REVOKE ALL ON FUNCTION public.update_config(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_config(text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.update_config(text, jsonb) IS 'Set one system_config value. Refused (22023) when the value has the wrong type or is out of range; audited with the actor.';
