-- Settles what a reservation drew on rate limits: on release (p_tokens_used NULL) everything
-- goes back (the request and its tokens); on settle the request stays drawn and each tokens
-- hold is squared with the tokens used: what was drawn and not used goes back, what was used
-- beyond it (output past the reserved maximum) is drawn, and may take the stripe below zero
-- (the tokens were spent; the bucket refills from there and admits nothing until it holds
-- enough again). Each amount goes to the stripe it was drawn on (stripe 0 for a hold that
-- names none), refilled to the instant first and never filled above its share, so a give-back
-- right after a draw from the same stripe is its exact undo. A limit or stripe removed
-- meanwhile gets nothing. In the holds' order, which is the lock order.
CREATE OR REPLACE FUNCTION private.rate_limit_give_back(p_holds jsonb, p_tokens_used bigint DEFAULT NULL,
                                                       p_now timestamptz DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hold jsonb;
    v_amount numeric;
    v_now timestamptz;
BEGIN
    FOR v_hold IN SELECT h FROM jsonb_array_elements(coalesce(p_holds, '[]'::jsonb)) AS h LOOP
        v_amount := CASE WHEN p_tokens_used IS NULL THEN (v_hold ->> 3)::numeric
                         WHEN v_hold ->> 2 = 'tokens' THEN (v_hold ->> 3)::numeric - p_tokens_used
                         ELSE 0 END;
        CONTINUE WHEN v_amount = 0;
        v_now := coalesce(p_now, clock_timestamp());  -- one instant for the refill and refilled_at
        UPDATE public.rate_limits AS r
        SET available = least(r.share, private.rate_limit_level(r.available, r.share, r.refilled_at, v_now) + v_amount),
            refilled_at = greatest(r.refilled_at, v_now)
        WHERE r.scope_rank = (v_hold ->> 0)::smallint AND r.key = v_hold ->> 1 AND r.kind = v_hold ->> 2
          AND r.stripe = coalesce((v_hold ->> 5)::smallint, 0);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION private.rate_limit_give_back(jsonb, bigint, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_give_back(jsonb, bigint, timestamptz) IS 'Settle a reservation''s rate limit holds on the stripes they were drawn on: all of them back on release (p_tokens_used NULL); on settle the unused tokens back, or the tokens used beyond the hold drawn (a stripe may go below zero); capped at each stripe''s share; removed limits get nothing.';
