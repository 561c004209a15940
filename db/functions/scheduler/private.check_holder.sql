-- A runner's name as written into leases and runs: required, 1 to 200 characters, printable.
CREATE OR REPLACE FUNCTION private.check_holder(p_holder text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required('the runner name (holder)', p_holder,
        'Pass a name unique per runner process, e.g. host:pid.');
    IF length(p_holder) NOT BETWEEN 1 AND 200 OR p_holder ~ '[[:cntrl:]]' OR private.is_blank(p_holder) THEN
        RAISE EXCEPTION 'the runner name must be 1 to 200 printable characters, got % characters', length(p_holder)
            USING ERRCODE = '22023', HINT = 'Use e.g. host:pid.';
    END IF;
    RETURN p_holder;
END
$$;

REVOKE ALL ON FUNCTION private.check_holder(text) FROM PUBLIC;

COMMENT ON FUNCTION private.check_holder(text) IS 'Validates a runner (lease holder) name: 22004 when NULL, 22023 when empty, over 200 characters or with control characters.';
