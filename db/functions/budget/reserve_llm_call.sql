-- The gate for callers that know tokens rather than dollars: prices the call at the model's
-- price in effect now (input tokens x input rate + maximum output tokens x output rate,
-- rounded up to the micro-dollar; the maximum output defaults to the model's
-- max_output_tokens), then reserves exactly as check_and_reserve_budget does (every budget,
-- tiers and model policy, kill switch, idempotency, expiry, and the rate limits with the
-- call's input plus maximum output tokens), and records the price row it used so that
-- settle_llm_call prices the actual tokens at the same row. A model with no price is refused
-- (P0002 naming set_model_price), never priced at zero.
CREATE OR REPLACE FUNCTION public.reserve_llm_call(p_service text, p_model text, p_input_tokens integer, p_max_output_tokens integer DEFAULT NULL, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'E.g. reserve_llm_call(''architect'', ''gpt-4o'', 1200, 800): input tokens of the prompt, the most output tokens the call may produce.';
    v_model text;
    v_price public.model_prices;
    v_max_output integer;
    v_amount numeric;
    v_priced jsonb;
    v_answer jsonb;
BEGIN
    -- Check: valid input passes one expression (the hot path); the shared checks only run to
    -- say what is wrong, values before the price lookup (the error contract's order).
    v_model := private.strip_blank(p_model);
    IF (length(p_service) <= 200 AND NOT private.is_blank(p_service) AND length(p_model) <= 200 AND v_model <> ''
        AND p_input_tokens BETWEEN 0 AND 100000000 AND coalesce(p_max_output_tokens, 0) BETWEEN 0 AND 100000000
        AND jsonb_typeof(p_metadata) = 'object' AND pg_column_size(p_metadata) <= 65536) IS NOT TRUE THEN
        PERFORM private.check_text('service', p_service, 200, v_hint);
        PERFORM private.check_text('model', p_model, 200, v_hint);
        PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
        PERFORM private.check_required('metadata', p_metadata, 'Pass ''{}''::jsonb or an object such as {"project": "checkout"}.');
        PERFORM private.check_range('input tokens', p_input_tokens, 0, 100000000, v_hint);
        PERFORM private.check_range('maximum output tokens', coalesce(p_max_output_tokens, 0), 0, 100000000, v_hint);
        PERFORM private.check_json_object('metadata', p_metadata, 65536, 'Pass an object such as {"project": "checkout"}.');
    END IF;

    -- Price: the row in effect now; none is P0002 with a hint naming set_model_price.
    v_price := private.model_price_at(v_model, now());
    v_max_output := coalesce(p_max_output_tokens, v_price.max_output_tokens);
    IF v_max_output IS NULL THEN
        RAISE EXCEPTION 'no maximum output tokens for % : the call cannot be priced', v_price.model
            USING ERRCODE = '22023',
                  HINT = format('Pass p_max_output_tokens, or record the model''s with set_model_price(%L, ..., p_max_output_tokens => N).', v_price.model);
    END IF;
    -- A free price still reserves a micro-dollar: the gate admits only positive amounts.
    v_amount := greatest(private.call_cost(v_price, p_input_tokens, v_max_output, 0), 0.000001);

    -- Reserve as the gate does, its token counts drawing on the tokens-per-minute limits.
    v_answer := public.check_and_reserve_budget(
        v_amount, p_service,
        p_metadata || jsonb_build_object('model', v_price.model, 'input_tokens', p_input_tokens,
                                         'max_output_tokens', v_max_output));

    -- Record the price row on the reservation (a replay keeps the one it was priced at).
    IF (v_answer ->> 'reservationId') IS NOT NULL THEN
        UPDATE public.budget_reservations AS r
        SET price_model = v_price.model, price_effective_from = v_price.effective_from,
            priced_input_tokens = p_input_tokens, priced_max_output_tokens = v_max_output
        WHERE r.id = (v_answer ->> 'reservationId')::uuid AND r.price_model IS NULL;
    END IF;
    v_priced := jsonb_build_object('model', v_price.model, 'priceEffectiveFrom', v_price.effective_from,
                                   'inputTokens', p_input_tokens, 'maxOutputTokens', v_max_output, 'amount', v_amount);
    RETURN v_answer || jsonb_build_object('priced', v_priced);
END
$$;

REVOKE ALL ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) IS 'Price an LLM call at the model''s price in effect (input tokens x input rate + maximum output tokens x output rate, rounded up to the micro-dollar; maximum output defaults to the model''s max_output_tokens) and reserve it as check_and_reserve_budget does, rate limits included. Returns check_and_reserve_budget''s answer plus priced {model, priceEffectiveFrom, inputTokens, maxOutputTokens, amount}. No price for the model: P0002 naming set_model_price. Settle with settle_llm_call.';
