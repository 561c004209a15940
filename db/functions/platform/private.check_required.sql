-- The shared NULL check of a required argument (docs/CONVENTIONS.md, "Errors"): NULL is 22004
-- with the message '<what> must not be NULL' and the caller's hint, so every function words
-- the first check of its contract the same way.
CREATE OR REPLACE FUNCTION private.check_required(p_what text, p_value anyelement, p_hint text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', p_what USING ERRCODE = '22004', HINT = p_hint;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_required(text, anyelement, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_required(text, anyelement, text) IS 'Validate a required argument: NULL is 22004 ''<what> must not be NULL'' with p_hint.';
