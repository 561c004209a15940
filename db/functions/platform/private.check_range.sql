-- The shared check of a required number with bounds (a limit, a batch size): NULL is 22004
-- '<what> must not be NULL', outside [p_min, p_max] is 22023 '<what> must be between <min> and
-- <max>, got <value>', both with the caller's hint.
CREATE OR REPLACE FUNCTION private.check_range(p_what text, p_value numeric, p_min numeric, p_max numeric, p_hint text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required(p_what, p_value, p_hint);
    IF p_value NOT BETWEEN p_min AND p_max THEN
        RAISE EXCEPTION '% must be between % and %, got %', p_what, p_min, p_max, p_value
            USING ERRCODE = '22023', HINT = p_hint;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_range(text, numeric, numeric, numeric, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_range(text, numeric, numeric, numeric, text) IS 'Validate a required bounded number: NULL 22004; outside [p_min, p_max] 22023; both with p_hint.';
