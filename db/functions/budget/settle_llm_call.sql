-- Records what a call reserved with reserve_llm_call actually cost, from its token counts at
-- the same price row the reservation was priced at (cached input tokens, which are among the
-- input tokens, at the cached rate once, never also at the input rate), with the counts in
-- the cost row; otherwise exactly settle_reservation (once, booked on the reservation's
-- stripes, unused tokens given back to the rate limits).
CREATE OR REPLACE FUNCTION public.settle_llm_call(p_reservation_id uuid, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer DEFAULT 0) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Pass the usage the provider reported: input tokens (cached ones included), output tokens, cached input tokens.';
    v_r public.budget_reservations%ROWTYPE;
    v_price public.model_prices;
    v_cost numeric;
BEGIN
    PERFORM private.check_required('reservation id', p_reservation_id, 'Pass the reservationId that reserve_llm_call returned.');
    PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
    PERFORM private.check_required('output tokens', p_output_tokens, v_hint);
    PERFORM private.check_required('cached input tokens', p_cached_input_tokens, v_hint);
    PERFORM private.check_range('input tokens', p_input_tokens, 0, 100000000, v_hint);
    PERFORM private.check_range('output tokens', p_output_tokens, 0, 100000000, v_hint);
    PERFORM private.check_range('cached input tokens', p_cached_input_tokens, 0, p_input_tokens, v_hint);

    SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id;
    PERFORM private.check_found(FOUND, 'reservation', p_reservation_id, 'Pass the reservationId that reserve_llm_call returned.');
    IF v_r.price_model IS NULL THEN
        RAISE EXCEPTION 'reservation % was not priced from model_prices', p_reservation_id
            USING ERRCODE = '55000', HINT = 'It was reserved with check_and_reserve_budget: settle it with settle_reservation(id, actual cost).';
    END IF;
    SELECT * INTO v_price FROM public.model_prices AS p
    WHERE p.model = v_r.price_model AND p.effective_from = v_r.price_effective_from;
    v_cost := private.call_cost(v_price, p_input_tokens, p_output_tokens, p_cached_input_tokens);  -- counts checked above

    RETURN public.settle_reservation(p_reservation_id, v_cost,
                                     jsonb_build_object('input_tokens', p_input_tokens, 'output_tokens', p_output_tokens,
                                                        'cached_input_tokens', p_cached_input_tokens))
           || jsonb_build_object('priced', jsonb_build_object(
                  'model', v_price.model, 'priceEffectiveFrom', v_price.effective_from, 'inputTokens', p_input_tokens,
                  'outputTokens', p_output_tokens, 'cachedInputTokens', p_cached_input_tokens, 'cost', v_cost));
END
$$;

REVOKE ALL ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.settle_llm_call(uuid, integer, integer, integer) IS 'Settle a reserve_llm_call reservation from token counts: the cost at the same price row it was reserved at (input tokens include the cached ones, which cost the cached rate once), recorded with the counts in cost_tracking; otherwise settle_reservation (idempotent for the same counts; unused tokens go back to the rate limits). Returns settle_reservation''s answer plus priced {model, priceEffectiveFrom, inputTokens, outputTokens, cachedInputTokens, cost}. 55000 for a reservation not priced by reserve_llm_call.';
