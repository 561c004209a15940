-- Draws one call on every rate limit that applies to it (the global one, its service's, its
-- model's, its project's), all or nothing, in lock order (scope rank, key, kind): 1 from each
-- requests bucket and p_tokens from each tokens bucket (a NULL p_tokens leaves the tokens
-- buckets alone: the caller did not say how many it will use). Each draw is one conditional
-- UPDATE that refills the bucket to p_now and takes only when it holds enough, so a bucket
-- never goes below zero whatever the concurrency; the refill instant is the clock when the
-- draw starts unless the caller pins it.
-- Returns NULL when no limit applies, {"holds": [[rank, key, kind, amount, at], ...]} (at: the
-- bucket's clock when it was drawn, for audits and replays) when every
-- bucket admitted it (for settle and release), or {"refused": {scope, key, kind, perMinute,
-- available, retryAfterMs}} naming the first short bucket, with what was drawn before it
-- given back.
CREATE OR REPLACE FUNCTION private.rate_limit_take(p_service text, p_model text, p_project text, p_tokens bigint,
                                                  p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_l record;
    v_cost bigint;
    v_holds jsonb := '[]'::jsonb;
    v_level numeric;
    v_per_minute bigint;
    v_at timestamptz;
    v_now timestamptz;
BEGIN
    FOR v_l IN
        SELECT r.scope_rank, r.scope, r.key, r.kind FROM public.rate_limits AS r
        WHERE (r.scope_rank, r.key) IN ((1, '*'), (2, p_service), (3, p_model), (4, p_project))
        ORDER BY r.scope_rank, r.key, r.kind
    LOOP
        v_cost := CASE v_l.kind WHEN 'requests' THEN 1 ELSE p_tokens END;
        CONTINUE WHEN v_cost IS NULL OR v_cost <= 0;
        -- One instant per draw, for the refill and for refilled_at alike (two readings of the
        -- clock would lose the refill between them). Read before the row's lock is waited for:
        -- refilled_at only moves forward, so the next draw is credited what this one was not.
        v_now := coalesce(p_now, clock_timestamp());
        UPDATE public.rate_limits AS r
        SET available = private.rate_limit_refilled(r.available, r.per_minute, r.refilled_at, v_now) - v_cost,
            refilled_at = greatest(r.refilled_at, v_now)
        WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind
          AND private.rate_limit_refilled(r.available, r.per_minute, r.refilled_at, v_now) >= v_cost
        RETURNING r.refilled_at INTO v_at;
        IF FOUND THEN
            v_holds := v_holds || jsonb_build_array(jsonb_build_array(v_l.scope_rank, v_l.key, v_l.kind, v_cost, v_at));
            CONTINUE;
        END IF;
        -- Short (or removed meanwhile): say by how much and when it will hold enough.
        SELECT private.rate_limit_refilled(r.available, r.per_minute, r.refilled_at, v_now),
               r.per_minute
        INTO v_level, v_per_minute
        FROM public.rate_limits AS r
        WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind;
        CONTINUE WHEN NOT FOUND;
        PERFORM private.rate_limit_give_back(v_holds, NULL, p_now);
        RETURN jsonb_build_object('refused', jsonb_build_object(
            'scope', v_l.scope, 'key', v_l.key, 'kind', v_l.kind, 'perMinute', v_per_minute,
            'available', floor(v_level), 'cost', v_cost,
            'retryAfterMs', CASE WHEN v_cost <= v_per_minute
                                 THEN greatest(ceil((v_cost - v_level) * 60000 / v_per_minute), 1)::bigint END));
    END LOOP;
    RETURN CASE WHEN jsonb_array_length(v_holds) > 0 THEN jsonb_build_object('holds', v_holds) END;
END
$$;

REVOKE ALL ON FUNCTION private.rate_limit_take(text, text, text, bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_take(text, text, text, bigint, timestamptz) IS 'Draw a call on every applicable rate limit bucket (global, service, model, project), all or nothing, in lock order: 1 per requests bucket, p_tokens per tokens bucket. NULL when none applies; {holds: [[rank, key, kind, amount, at]]} when admitted; {refused: {scope, key, kind, perMinute, available, cost, retryAfterMs}} otherwise (retryAfterMs NULL when the cost is above the per-minute figure).';
