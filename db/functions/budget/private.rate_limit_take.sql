-- Draws one call on every rate limit that applies to it (the global one, its service's, its
-- model's, its project's), all or nothing, in lock order (scope rank, key, kind, stripe): 1
-- from each requests limit and p_tokens from each tokens limit (a NULL p_tokens leaves the
-- tokens limits alone: the caller did not say how many it will use). Each limit kind is split
-- into stripes holding shares of its capacity and refill (docs/BUDGET.md, "Rate limits"):
--  1. fast path: one conditional UPDATE of the caller's stripe (pg_backend_pid() mod K) that
--     refills it to the instant and takes only when it holds enough;
--  2. slow path: every stripe of the limit locked in stripe order, refilled and pooled: what
--     is left after the call (everything, when together they hold too little and the call is
--     refused) is split over them in proportion to their shares (the rounding remainder on the
--     caller's stripe), so that they refill together as one bucket and a refused call's
--     retryAfterMs (the shortfall at the figure's rate) is when the limit holds it.
-- No stripe ever goes below zero and together they never hold more than one bucket of the
-- limit's figure would, whatever the concurrency. The instant is the clock when the draw
-- starts unless the caller pins it.
-- Returns NULL when no limit applies, {"holds": [[rank, key, kind, amount, at, stripe], ...]}
-- (at: the limit's clock when it was drawn, for audits and replays) when every limit admitted
-- the call, or {"refused": {scope, key, kind, perMinute, available, cost, retryAfterMs}} naming
-- the first short limit, with what was drawn before it given back.
CREATE OR REPLACE FUNCTION private.rate_limit_take(p_service text, p_model text, p_project text, p_tokens bigint,
                                                  p_now timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_l record;
    v_cost bigint;
    v_holds jsonb := '[]'::jsonb;
    v_stripe integer;
    v_at timestamptz;
    v_now timestamptz;
    v_count integer;
    v_total numeric;
    v_per_minute bigint;
    v_left numeric;
    v_retry numeric;
BEGIN
    FOR v_l IN
        SELECT r.scope_rank, r.scope, r.key, r.kind, r.stripes FROM public.rate_limits AS r
        WHERE (r.scope_rank, r.key) IN ((1, '*'), (2, p_service), (3, p_model), (4, p_project)) AND r.stripe = 0
        ORDER BY r.scope_rank, r.key, r.kind
    LOOP
        v_cost := CASE v_l.kind WHEN 'requests' THEN 1 ELSE p_tokens END;
        CONTINUE WHEN v_cost IS NULL OR v_cost <= 0;
        -- One instant per draw, for the refill and for refilled_at alike (two readings of the
        -- clock would lose the refill between them). Read before any row's lock is waited for:
        -- refilled_at only moves forward, so the next draw is credited what this one was not.
        v_now := coalesce(p_now, clock_timestamp());
        v_stripe := pg_backend_pid() % v_l.stripes;
        v_at := NULL;
        -- Step 1 in a subtransaction rolled back on a miss: an UPDATE that waited for the row
        -- and then failed its re-check keeps the row's lock, and holding one stripe while the
        -- slow path waits for the others in order could deadlock with another call doing the same.
        BEGIN
            UPDATE public.rate_limits AS r
            SET available = private.rate_limit_level(r.available, r.share, r.refilled_at, v_now) - v_cost,
                refilled_at = greatest(r.refilled_at, v_now)
            WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind AND r.stripe = v_stripe
              AND private.rate_limit_level(r.available, r.share, r.refilled_at, v_now) >= v_cost
            RETURNING r.refilled_at INTO v_at;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'RL001';
            END IF;
        EXCEPTION WHEN SQLSTATE 'RL001' THEN
            v_at := NULL;
        END;
        IF v_at IS NULL THEN
            -- Step 2: every stripe, locked in stripe order, pooled.
            SELECT count(*), sum(private.rate_limit_level(l.available, l.share, l.refilled_at, v_now)), max(l.per_minute)
            INTO v_count, v_total, v_per_minute
            FROM (SELECT r.available, r.share, r.refilled_at, r.per_minute FROM public.rate_limits AS r
                  WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind
                  ORDER BY r.stripe FOR UPDATE) AS l;
            CONTINUE WHEN v_count = 0;  -- removed meanwhile: no longer a limit
            -- What is left (all of it when the limit holds too little: a refusal pools too),
            -- split in proportion to the shares (rounded down); the rounding remainder stays on
            -- the caller's stripe (stripe 0 if the count changed), so the stripes hold exactly
            -- what is left, no more and no less. Pooled, the stripes fill together at the
            -- figure's rate, as one bucket would: a stripe left full while the others ran dry
            -- would lose its refill, and the limit would hold the call only later than the
            -- retryAfterMs it was told.
            v_left := CASE WHEN v_total < v_cost THEN v_total ELSE v_total - v_cost END;
            IF v_stripe >= v_count THEN
                v_stripe := 0;
            END IF;
            UPDATE public.rate_limits AS r
            SET available = CASE WHEN r.stripe = v_stripe
                                 THEN v_left
                                      - (SELECT coalesce(sum(trunc(v_left * o.share / o.per_minute, 9)), 0)
                                         FROM public.rate_limits AS o
                                         WHERE o.scope_rank = v_l.scope_rank AND o.key = v_l.key AND o.kind = v_l.kind
                                           AND o.stripe <> v_stripe)
                                 ELSE trunc(v_left * r.share / r.per_minute, 9) END,
                refilled_at = greatest(r.refilled_at, v_now)
            WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind;
            IF v_total < v_cost THEN
                -- Refused. Pooled, the limit holds the call once it has refilled the shortfall at
                -- its figure's rate; a call of the whole figure needs every stripe full (the
                -- rounding may leave one a billionth short of the pooled level).
                IF v_cost < v_per_minute THEN
                    v_retry := greatest(ceil((v_cost - v_total) * 60000 / v_per_minute), 1);
                ELSIF v_cost = v_per_minute THEN
                    SELECT greatest(ceil(max((r.share - r.available) * 60000 / r.share)), 1) INTO v_retry
                    FROM public.rate_limits AS r
                    WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind;
                END IF;
                PERFORM private.rate_limit_give_back(v_holds, NULL, p_now);
                RETURN jsonb_build_object('refused', jsonb_build_object(
                    'scope', v_l.scope, 'key', v_l.key, 'kind', v_l.kind, 'perMinute', v_per_minute,
                    'available', floor(v_total), 'cost', v_cost, 'retryAfterMs', v_retry::bigint));
            END IF;
            SELECT max(r.refilled_at) INTO v_at
            FROM public.rate_limits AS r
            WHERE r.scope_rank = v_l.scope_rank AND r.key = v_l.key AND r.kind = v_l.kind;
        END IF;
        v_holds := v_holds || jsonb_build_array(jsonb_build_array(v_l.scope_rank, v_l.key, v_l.kind, v_cost, v_at, v_stripe));
    END LOOP;
    RETURN CASE WHEN jsonb_array_length(v_holds) > 0 THEN jsonb_build_object('holds', v_holds) END;
END
$$;

REVOKE ALL ON FUNCTION private.rate_limit_take(text, text, text, bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_take(text, text, text, bigint, timestamptz) IS 'Draw a call on every applicable rate limit (global, service, model, project), all or nothing, in lock order: 1 per requests limit, p_tokens per tokens limit; own stripe first, else every stripe pooled. NULL when none applies; {holds: [[rank, key, kind, amount, at, stripe]]} when admitted; {refused: {scope, key, kind, perMinute, available, cost, retryAfterMs}} otherwise (retryAfterMs NULL when the cost is above the per-minute figure).';
