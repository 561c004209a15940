-- The one rule for "blank text", shared by every function that takes a name, reason or note:
-- empty, or nothing but Unicode white space (tab, newline, U+0085, U+00A0 no-break space,
-- U+1680, U+2000-U+200A, U+2028/2029, U+202F, U+205F, U+3000 ideographic space) and the
-- invisible zero-width characters (U+200B-U+200D, U+2060, U+FEFF). btrim() strips spaces only,
-- so "\t", "\n" or "\u3000" used to pass as a service name or a kill reason. NULL is not blank
-- (callers refuse NULL separately, with 22004). A plain SQL expression with no SET clause, so the
-- planner inlines it into the calling statement (the reservation gate checks the service name on
-- every call); it only applies a regular expression to its argument, and its callers pin
-- search_path.
CREATE OR REPLACE FUNCTION private.is_blank(p_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_value ~ '^[\s\u0085\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]*$';
$$;

REVOKE ALL ON FUNCTION private.is_blank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.is_blank(text) IS 'True when the text is empty or only Unicode white space / zero-width characters (the shared non-blank rule); NULL for NULL.';
