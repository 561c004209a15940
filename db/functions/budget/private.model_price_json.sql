-- A model price row as the API answers it (model_price, set_model_price): camelCase keys, rates
-- in USD per million tokens as JSON numbers, the long-context tier as one object or null.
CREATE OR REPLACE FUNCTION private.model_price_json(p_price public.model_prices) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'model', p_price.model,
        'effectiveFrom', p_price.effective_from,
        'inputUsdPerMtok', p_price.input_usd_per_mtok,
        'outputUsdPerMtok', p_price.output_usd_per_mtok,
        'cachedInputUsdPerMtok', p_price.cached_input_usd_per_mtok,
        'maxOutputTokens', p_price.max_output_tokens,
        'longContext', CASE WHEN p_price.long_context_threshold_tokens IS NOT NULL THEN jsonb_build_object(
            'thresholdTokens', p_price.long_context_threshold_tokens,
            'inputUsdPerMtok', p_price.long_context_input_usd_per_mtok,
            'outputUsdPerMtok', p_price.long_context_output_usd_per_mtok,
            'cachedInputUsdPerMtok', p_price.long_context_cached_input_usd_per_mtok) END,
        'createdAt', p_price.created_at,
        'createdBy', p_price.created_by)
$$;

REVOKE ALL ON FUNCTION private.model_price_json(public.model_prices) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_json(public.model_prices) IS 'A model_prices row as JSON: {model, effectiveFrom, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, maxOutputTokens, longContext: {thresholdTokens, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok} | null, createdAt, createdBy}.';
