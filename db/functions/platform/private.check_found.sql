-- The shared lookup check (docs/CONVENTIONS.md, "Errors"): called with FOUND right after the
-- SELECT ... INTO or UPDATE ... RETURNING that looked the row up, it raises P0002
-- '<what> <key> does not exist' with the caller's hint when nothing was found.
CREATE OR REPLACE FUNCTION private.check_found(p_found boolean, p_what text, p_key anyelement, p_hint text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT p_found THEN
        RAISE EXCEPTION '% % does not exist', p_what, p_key USING ERRCODE = 'P0002', HINT = p_hint;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_found(boolean, text, anyelement, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_found(boolean, text, anyelement, text) IS 'After a lookup: when p_found is false, P0002 ''<what> <key> does not exist'' with p_hint.';
