-- Records what a call reserved with reserve_llm_call actually cost, from its token counts at
-- the same price row the reservation was priced at (private.call_cost: cached and cache-write
-- input tokens, which are among the input tokens, each at its own rate once, never also at the
-- input rate; the tier the input reaches), with the counts in the cost row; otherwise exactly
-- settle_reservation (once, booked on the reservation's stripes, unused tokens given back to
-- the rate limits). Settling again with the same counts returns the same cost row; with other
-- counts it is 55000, even when they cost the same.
CREATE OR REPLACE FUNCTION public.settle_llm_call(p_reservation_id uuid, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer DEFAULT 0, p_cache_write_tokens integer DEFAULT 0) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Pass the usage the provider reported: input tokens (cached and cache-write ones included), output tokens, cached input tokens, cache-write tokens.';
    v_r public.budget_reservations%ROWTYPE;
    v_price public.model_prices;
    v_cost numeric;
    v_counts jsonb;
    v_answer jsonb;
    v_booked jsonb;
BEGIN
    PERFORM private.check_required('reservation id', p_reservation_id, 'Pass the reservationId that reserve_llm_call returned.');
    PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
    PERFORM private.check_required('output tokens', p_output_tokens, v_hint);
    PERFORM private.check_required('cached input tokens', p_cached_input_tokens, v_hint);
    PERFORM private.check_required('cache write tokens', p_cache_write_tokens, v_hint);
    PERFORM private.check_range('input tokens', p_input_tokens, 0, 100000000, v_hint);
    PERFORM private.check_range('output tokens', p_output_tokens, 0, 100000000, v_hint);
    PERFORM private.check_range('cached input tokens', p_cached_input_tokens, 0, p_input_tokens, v_hint);
    PERFORM private.check_range('cache write tokens', p_cache_write_tokens, 0, p_input_tokens - p_cached_input_tokens, v_hint);

    SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id;
    PERFORM private.check_found(FOUND, 'reservation', p_reservation_id, 'Pass the reservationId that reserve_llm_call returned.');
    IF v_r.price_model IS NULL THEN
        RAISE EXCEPTION 'reservation % was not priced from model_prices', p_reservation_id
            USING ERRCODE = '55000', HINT = 'It was reserved with check_and_reserve_budget: settle it with settle_reservation(id, actual cost).';
    END IF;
    SELECT * INTO v_price FROM public.model_prices AS p
    WHERE p.model = v_r.price_model AND p.effective_from = v_r.price_effective_from;
    v_cost := private.call_cost(v_price, p_input_tokens, p_output_tokens, p_cached_input_tokens, p_cache_write_tokens);  -- counts checked above
    v_counts := jsonb_build_object('input_tokens', p_input_tokens, 'output_tokens', p_output_tokens,
                                   'cached_input_tokens', p_cached_input_tokens, 'cache_write_tokens', p_cache_write_tokens);

    v_answer := public.settle_reservation(p_reservation_id, v_cost, v_counts);
    IF (v_answer ->> 'alreadySettled')::boolean THEN
        -- A second settle (or a concurrent one that committed first) with the same cost: the
        -- same call only when its counts are the ones the cost row keeps.
        SELECT jsonb_build_object('input_tokens', c.metadata -> 'input_tokens', 'output_tokens', c.metadata -> 'output_tokens',
                                  'cached_input_tokens', c.metadata -> 'cached_input_tokens',
                                  'cache_write_tokens', coalesce(c.metadata -> 'cache_write_tokens', '0'::jsonb))
        INTO v_booked
        FROM public.cost_tracking AS c WHERE c.id = (v_answer ->> 'costTrackingId')::bigint;
        IF v_booked IS DISTINCT FROM v_counts THEN
            RAISE EXCEPTION 'reservation % is already settled with other token counts', p_reservation_id
                USING ERRCODE = '55000', DETAIL = format('Settled with %s.', v_booked),
                      HINT = 'A call is settled once; retry with the counts it was settled with.';
        END IF;
    END IF;
    RETURN v_answer
           || jsonb_build_object('priced', jsonb_build_object(
                  'model', v_price.model, 'priceEffectiveFrom', v_price.effective_from, 'inputTokens', p_input_tokens,
                  'outputTokens', p_output_tokens, 'cachedInputTokens', p_cached_input_tokens,
                  'cacheWriteTokens', p_cache_write_tokens, 'cost', v_cost));
END
$$;

REVOKE ALL ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer, integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer, integer) IS 'Settle a reserve_llm_call reservation from token counts: the cost at the same price row it was reserved at (input tokens include the cached and cache-write ones, which cost their own rates once; the tier the input reaches), recorded with the counts in cost_tracking; otherwise settle_reservation (idempotent for the same counts, 55000 for other counts; unused tokens go back to the rate limits). Returns settle_reservation''s answer plus priced {model, priceEffectiveFrom, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, cost}. 55000 for a reservation not priced by reserve_llm_call.';
