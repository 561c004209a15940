-- The shared check of a JSON-object argument (a context, details, metadata or params): NULL is
-- 22004, anything but an object 22023, and so is more than p_max_chars characters of JSON
-- (p_max_chars NULL: no limit); all with the caller's hint.
CREATE OR REPLACE FUNCTION private.check_json_object(p_what text, p_value jsonb, p_max_chars integer, p_hint text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required(p_what, p_value, p_hint);
    IF jsonb_typeof(p_value) <> 'object' THEN
        RAISE EXCEPTION '% must be a JSON object, got %', p_what, jsonb_typeof(p_value)
            USING ERRCODE = '22023', HINT = p_hint;
    END IF;
    IF length(p_value::text) > p_max_chars THEN
        RAISE EXCEPTION '% must be at most % characters of JSON', p_what, p_max_chars
            USING ERRCODE = '22023', HINT = p_hint;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_json_object(text, jsonb, integer, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_json_object(text, jsonb, integer, text) IS 'Validate a required JSON object argument: NULL 22004; not an object, or over p_max_chars characters of JSON, 22023; all with p_hint.';
