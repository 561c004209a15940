-- The text without leading and trailing blank characters, by the same rule as private.is_blank
-- (Unicode white space and zero-width characters, not only ASCII spaces as btrim()).
CREATE OR REPLACE FUNCTION private.strip_blank(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(p_value,
        '^[\s\u0085\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]+|[\s\u0085\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]+$',
        '', 'g');
$$;

REVOKE ALL ON FUNCTION private.strip_blank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.strip_blank(text) IS 'The text with leading and trailing Unicode white space and zero-width characters removed (the rule of private.is_blank).';
