-- What one LLM call costs at a price row, in USD, exact and rounded UP to the micro-dollar
-- (docs/BUDGET.md, "Model prices"): p_input_tokens counts every input token, cached and
-- cache-write ones included (as OpenAI's prompt_tokens does); the p_cached_input_tokens and
-- p_cache_write_tokens among them are priced once, at the cached and the cache-write rate (the
-- input rate when the price has none), never also at the input rate; output tokens at the
-- output rate. The whole call is priced at the rates of the last tier whose from_tokens
-- p_input_tokens reaches, else at the row's own. Checks the counts, then applies the rule
-- (private.call_cost); pure.
CREATE OR REPLACE FUNCTION private.price_call(p_price public.model_prices, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer DEFAULT 0, p_cache_write_tokens integer DEFAULT 0) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Token counts are whole numbers >= 0; cached and cache-write input tokens are part of the input tokens.';
BEGIN
    IF p_price.input_usd_per_mtok IS NULL OR p_price.output_usd_per_mtok IS NULL THEN
        RAISE EXCEPTION 'price must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass the model_prices row in effect (private.model_price_at(model, instant)).';
    END IF;
    PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
    PERFORM private.check_required('output tokens', p_output_tokens, v_hint);
    PERFORM private.check_required('cached input tokens', p_cached_input_tokens, v_hint);
    PERFORM private.check_required('cache write tokens', p_cache_write_tokens, v_hint);
    PERFORM private.check_range('input tokens', p_input_tokens, 0, 2147483647, v_hint);
    PERFORM private.check_range('output tokens', p_output_tokens, 0, 2147483647, v_hint);
    PERFORM private.check_range('cached input tokens', p_cached_input_tokens, 0, p_input_tokens, v_hint);
    PERFORM private.check_range('cache write tokens', p_cache_write_tokens, 0, p_input_tokens - p_cached_input_tokens, v_hint);
    RETURN private.call_cost(p_price, p_input_tokens, p_output_tokens, p_cached_input_tokens, p_cache_write_tokens);
END
$$;

REVOKE ALL ON FUNCTION private.price_call(public.model_prices, integer, integer, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.price_call(public.model_prices, integer, integer, integer, integer) IS 'Cost in USD of a call at a model_prices row, rounded up to the micro-dollar: (input - cached - cache write) x input rate + cached x cached rate + cache write x cache-write rate (input rate when NULL) + output x output rate, at the rates of the last tier whose from_tokens the input reaches. 22004 for NULLs, 22023 for negative counts or cached + cache write > input.';
