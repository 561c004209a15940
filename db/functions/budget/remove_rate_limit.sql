-- Removes one rate limit (both kinds): calls stop drawing on it from now on; reservations that
-- took from it settle and release as usual, giving back nothing to a bucket that is gone.
-- Audited.
CREATE OR REPLACE FUNCTION public.remove_rate_limit(p_scope text, p_key text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_actor text := private.current_actor();
    v_removed jsonb;
BEGIN
    PERFORM private.rate_limit_check_target(p_scope, p_key);
    WITH gone AS (
        DELETE FROM public.rate_limits AS r
        WHERE r.scope_rank = private.rate_limit_scope_rank(p_scope) AND r.key = p_key
        RETURNING r.kind, r.per_minute
    )
    SELECT jsonb_object_agg(g.kind, g.per_minute) INTO v_removed FROM gone AS g;
    IF v_removed IS NULL THEN
        RAISE EXCEPTION 'no rate limit for % %', p_scope, left(p_key, 100)
            USING ERRCODE = 'P0002', HINT = 'See rate_limit_usage() for the rate limits that exist.';
    END IF;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.remove_rate_limit', format('rate_limit:%s:%s', p_scope, p_key),
            jsonb_build_object('removed', v_removed));
    RETURN jsonb_build_object('scope', p_scope, 'key', p_key, 'removedRequestsPerMinute', v_removed -> 'requests',
                              'removedTokensPerMinute', v_removed -> 'tokens', 'updatedBy', v_actor);
END
$$;

REVOKE ALL ON FUNCTION public.remove_rate_limit(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.remove_rate_limit(text, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.remove_rate_limit(text, text) IS 'Remove a rate limit (both kinds) for scope and key; P0002 when there is none. Audited. Returns {scope, key, removedRequestsPerMinute, removedTokensPerMinute, updatedBy}.';
