-- The one rule for the names a budget or a rate limit is kept under: 1 to 200 characters with
-- no blank around them (private.strip_blank: Unicode white space and zero-width characters), so
-- a key as stored is exactly what the gate strips a call's name to. 22023 with the caller's hint.
CREATE OR REPLACE FUNCTION private.check_key(p_what text, p_key text, p_hint text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF private.is_blank(p_key) OR length(p_key) > 200 OR p_key <> private.strip_blank(p_key) THEN
        RAISE EXCEPTION '% must be 1 to 200 characters without surrounding blanks, got %', p_what, length(p_key)
            USING ERRCODE = '22023', HINT = p_hint;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_key(text, text, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_key(text, text, text) IS 'Check a budget or rate limit key: 1-200 characters, no blanks around it (22023 with p_hint).';
