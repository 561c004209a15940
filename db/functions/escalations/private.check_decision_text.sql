-- Shared check of the free-text fields of a decision (notes and the decision log fields): at
-- most 10000 characters; required ones must be non-blank by the shared rule (private.is_blank:
-- any Unicode white space). Returns the text stripped, NULL when blank.
CREATE OR REPLACE FUNCTION private.check_decision_text(p_name text, p_value text, p_required boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_required AND p_value IS NULL THEN
        RAISE EXCEPTION '% are required for this decision', p_name
            USING ERRCODE = '22004', HINT = format('Pass %s: the runbook''s decision log asks why (runbook 3.2).', p_name);
    END IF;
    IF p_required AND private.is_blank(p_value) THEN
        RAISE EXCEPTION '% must not be blank for this decision', p_name
            USING ERRCODE = '22023', HINT = format('Write %s: the runbook''s decision log asks why (runbook 3.2).', p_name);
    END IF;
    IF length(p_value) > 10000 THEN
        RAISE EXCEPTION '% must be at most 10000 characters, got %', p_name, length(p_value)
            USING ERRCODE = '22023', HINT = 'Shorten it; link to longer documents.';
    END IF;
    RETURN nullif(private.strip_blank(p_value), '');
END
$$;

REVOKE ALL ON FUNCTION private.check_decision_text(text, text, boolean) FROM PUBLIC;

COMMENT ON FUNCTION private.check_decision_text(text, text, boolean) IS 'Validate a decision text field: required ones non-NULL (22004) and non-blank (22023), all at most 10000 characters (22023). Returns it trimmed.';
