-- Checks a rate limit's scope and key as set_rate_limit and remove_rate_limit take them: NULL
-- -> 22004, a wrong value -> 22023, each with a hint. The key rule is the budgets' (no blanks
-- around it), so the name a limit is set for is the name the gate strips a call's name to.
CREATE OR REPLACE FUNCTION private.rate_limit_check_target(p_scope text, p_key text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_scope IS NULL OR p_key IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN p_scope IS NULL THEN 'scope' ELSE 'key' END
            USING ERRCODE = '22004',
                  HINT = 'E.g. set_rate_limit(''service'', ''architect'', 60, 200000) or set_rate_limit(''global'', ''*'', 600, NULL).';
    END IF;
    IF private.rate_limit_scope_rank(p_scope) IS NULL THEN
        RAISE EXCEPTION 'unknown rate limit scope %', left(p_scope, 100)
            USING ERRCODE = '22023', HINT = 'Use global (key *), service, model or project.';
    END IF;
    PERFORM private.check_key('rate limit key', p_key, 'Name the service, model or project the limit is for.');
    IF (p_scope = 'global') <> (p_key = '*') THEN
        RAISE EXCEPTION '%', CASE WHEN p_scope = 'global' THEN format('the global scope has only the key *, got %s', left(p_key, 100))
                                  ELSE format('a %s rate limit names one %s, not *', p_scope, p_scope) END
            USING ERRCODE = '22023', HINT = 'Use (''global'', ''*'') for all calls together, or name one service, model or project.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.rate_limit_check_target(text, text) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_check_target(text, text) IS 'Check a rate limit target: scope global|service|model|project, key 1-200 characters without surrounding blanks, * exactly for global (22004/22023 with a hint).';
