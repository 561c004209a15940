-- Creates, changes or narrows one rate limit (scope, key) of either kind: requests and tokens
-- per minute, each a token bucket (NULL: no limit of that kind, removing one that existed).
-- A new bucket starts full; a changed one keeps what it holds now, never more than its new
-- per-minute figure. Each kind is split into stripes (private.rate_limit_write). Under the
-- limit's row locks, so a concurrent call draws either on the old buckets or on the new ones.
-- Audited with the actor.
CREATE OR REPLACE FUNCTION public.set_rate_limit(p_scope text, p_key text, p_requests_per_minute integer, p_tokens_per_minute bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rank smallint;
    v_actor text := private.current_actor();
    v_now timestamptz := clock_timestamp();
    v_previous jsonb;
    v_kind text;
    v_per_minute bigint;
BEGIN
    PERFORM private.rate_limit_check_target(p_scope, p_key);
    IF p_requests_per_minute IS NULL AND p_tokens_per_minute IS NULL THEN
        RAISE EXCEPTION 'a rate limit needs requests or tokens per minute'
            USING ERRCODE = '22023', HINT = 'Pass at least one of the two; remove_rate_limit(scope, key) removes a limit.';
    END IF;
    IF p_requests_per_minute <= 0 OR p_tokens_per_minute <= 0 OR p_tokens_per_minute > 1000000000000 THEN
        RAISE EXCEPTION 'per-minute figures must be positive (tokens at most 10^12), got % requests, % tokens',
                coalesce(p_requests_per_minute::text, 'NULL'), coalesce(p_tokens_per_minute::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give the provider''s RPM and TPM figures, or NULL for no limit of that kind.';
    END IF;
    v_rank := private.rate_limit_scope_rank(p_scope);

    -- Lock the limit's rows in the lock order, then rewrite each kind's stripes.
    PERFORM 1 FROM (SELECT 1 FROM public.rate_limits AS r WHERE r.scope_rank = v_rank AND r.key = p_key
                    ORDER BY r.kind, r.stripe FOR UPDATE) AS l;
    SELECT jsonb_object_agg(d.kind, d.per_minute) INTO v_previous
    FROM (SELECT DISTINCT r.kind, r.per_minute FROM public.rate_limits AS r WHERE r.scope_rank = v_rank AND r.key = p_key) AS d;
    FOREACH v_kind IN ARRAY ARRAY['requests', 'tokens'] LOOP
        v_per_minute := CASE v_kind WHEN 'requests' THEN p_requests_per_minute ELSE p_tokens_per_minute END;
        IF v_per_minute IS NULL THEN
            DELETE FROM public.rate_limits AS r WHERE r.scope_rank = v_rank AND r.key = p_key AND r.kind = v_kind;
        ELSE
            PERFORM private.rate_limit_write(v_rank, p_scope, p_key, v_kind, v_per_minute, v_actor, v_now);
        END IF;
    END LOOP;

    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.set_rate_limit', format('rate_limit:%s:%s', p_scope, p_key),
            jsonb_build_object('requests_per_minute', p_requests_per_minute, 'tokens_per_minute', p_tokens_per_minute,
                               'previous', coalesce(v_previous, '{}'::jsonb)));
    RETURN jsonb_build_object('scope', p_scope, 'key', p_key, 'requestsPerMinute', p_requests_per_minute,
                              'tokensPerMinute', p_tokens_per_minute,
                              'previousRequestsPerMinute', v_previous -> 'requests',
                              'previousTokensPerMinute', v_previous -> 'tokens',
                              'created', v_previous IS NULL, 'updatedBy', v_actor);
END
$$;

REVOKE ALL ON FUNCTION public.set_rate_limit(text, text, integer, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_rate_limit(text, text, integer, bigint) TO service_role, moose_runner;

COMMENT ON FUNCTION public.set_rate_limit(text, text, integer, bigint) IS 'Create or change a rate limit: scope global (key *) | service | model | project, requests per minute and tokens per minute (token buckets; NULL = no limit of that kind, at least one given). A new bucket starts full; a changed one keeps what it holds, capped at the new figure. Audited. Returns {scope, key, requestsPerMinute, tokensPerMinute, previousRequestsPerMinute, previousTokensPerMinute, created, updatedBy}.';
