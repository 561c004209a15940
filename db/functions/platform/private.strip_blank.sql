-- The text without leading and trailing blank characters, by the same rule as private.is_blank
-- (private.blank_chars(): Unicode white space, format characters of category Cf and the blank
-- fillers; not only ASCII spaces as btrim()). Characters inside the text are kept. A plain SQL
-- expression, inlined into its callers with its pattern folded to a constant.
CREATE OR REPLACE FUNCTION private.strip_blank(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(p_value, '^[' || private.blank_chars() || ']+|[' || private.blank_chars() || ']+$', '', 'g');
$$;

REVOKE ALL ON FUNCTION private.strip_blank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.strip_blank(text) IS 'The text with leading and trailing blank characters (private.blank_chars(): Unicode white space, format characters of category Cf, blank fillers) removed: the rule of private.is_blank.';
