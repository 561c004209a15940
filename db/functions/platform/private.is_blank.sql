-- The one rule for "blank text", shared by every function that takes a name, reason or note:
-- empty, or nothing but the characters of private.blank_chars(): Unicode white space (tab,
-- newline, U+00A0 no-break space, U+3000 ideographic space, ...), every Unicode format
-- character (category Cf: the zero-width space U+200B, the direction marks U+200E/200F,
-- U+202A-202E, U+2066-2069, the soft hyphen U+00AD, U+FEFF, ...) and the fillers that render
-- as nothing (U+034F, U+115F, U+1160, U+3164, U+FFA0). btrim() strips spaces only, so "\t",
-- "\n" or "\u3000" used to pass as a service name or a kill reason. NULL is not blank
-- (callers refuse NULL separately, with 22004). A plain SQL expression with no SET clause, so the
-- planner inlines it (and folds the pattern to a constant) into the calling statement (the
-- reservation gate checks the service name on every call); it only applies a regular
-- expression to its argument, and its callers pin search_path.
CREATE OR REPLACE FUNCTION private.is_blank(p_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_value ~ ('^[' || private.blank_chars() || ']*$');
$$;

REVOKE ALL ON FUNCTION private.is_blank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.is_blank(text) IS 'True when the text is empty or only blank characters (private.blank_chars(): Unicode white space, format characters of category Cf, blank fillers): the shared non-blank rule; NULL for NULL.';
