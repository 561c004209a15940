-- The shared check of a required free-text argument (a name, reason or note): NULL is 22004,
-- blank by private.is_blank (any Unicode white space) or longer than p_max characters is 22023,
-- each with p_hint. Returns the text stripped of leading and trailing blanks, as stored.
CREATE OR REPLACE FUNCTION private.check_text(p_what text, p_value text, p_max integer, p_hint text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required(p_what, p_value, p_hint);
    IF length(p_value) > p_max THEN
        RAISE EXCEPTION '% must be at most % characters, got %', p_what, p_max, length(p_value)
            USING ERRCODE = '22023', HINT = p_hint;
    END IF;
    IF private.is_blank(p_value) THEN
        RAISE EXCEPTION '% must not be blank (white space only)', p_what USING ERRCODE = '22023', HINT = p_hint;
    END IF;
    RETURN private.strip_blank(p_value);
END
$$;

REVOKE ALL ON FUNCTION private.check_text(text, text, integer, text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_text(text, text, integer, text) IS 'Validate a required name/reason/note: NULL 22004; blank (any Unicode white space) or over p_max characters 22023; all with p_hint. Returns it stripped.';
