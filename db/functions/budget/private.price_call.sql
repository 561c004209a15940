-- What one LLM call costs at a price row, in USD, exact and rounded UP to the micro-dollar
-- (docs/BUDGET.md, "Model prices"): p_input_tokens counts every input token, cached ones
-- included (as OpenAI's prompt_tokens does); the p_cached_input_tokens among them are priced
-- once, at the cached rate (the input rate when the model has none), never also at the input
-- rate; output tokens at the output rate. When the price has a long-context tier and
-- p_input_tokens exceeds its threshold, the whole call (input, cached, output) is priced at the
-- tier's rates (its cached rate, else its input rate). Rates are per million tokens, so the
-- sum of tokens x rates is the cost in micro-dollars. Checks the counts, then applies the rule
-- (private.call_cost); pure.
CREATE OR REPLACE FUNCTION private.price_call(p_price public.model_prices, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer DEFAULT 0) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Token counts are whole numbers >= 0; cached input tokens are part of the input tokens.';
BEGIN
    IF p_price.input_usd_per_mtok IS NULL OR p_price.output_usd_per_mtok IS NULL THEN
        RAISE EXCEPTION 'price must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass the model_prices row in effect (private.model_price_at(model, instant)).';
    END IF;
    PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
    PERFORM private.check_required('output tokens', p_output_tokens, v_hint);
    PERFORM private.check_required('cached input tokens', p_cached_input_tokens, v_hint);
    PERFORM private.check_range('input tokens', p_input_tokens, 0, 2147483647, v_hint);
    PERFORM private.check_range('output tokens', p_output_tokens, 0, 2147483647, v_hint);
    PERFORM private.check_range('cached input tokens', p_cached_input_tokens, 0, p_input_tokens, v_hint);
    RETURN private.call_cost(p_price, p_input_tokens, p_output_tokens, p_cached_input_tokens);
END
$$;

REVOKE ALL ON FUNCTION private.price_call(public.model_prices, integer, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.price_call(public.model_prices, integer, integer, integer) IS 'Cost in USD of a call at a model_prices row, rounded up to the micro-dollar: (input - cached) x input rate + cached x cached rate (input rate when NULL) + output x output rate, all at the long-context tier''s rates when input exceeds its threshold. 22004 for NULLs, 22023 for negative counts or cached > input.';
