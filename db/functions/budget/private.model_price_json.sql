-- A model price row as the API answers it (model_price, set_model_price): camelCase keys, rates
-- in USD per million tokens as JSON numbers, the tiers as a list or null.
CREATE OR REPLACE FUNCTION private.model_price_json(p_price public.model_prices) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'model', p_price.model,
        'effectiveFrom', p_price.effective_from,
        'inputUsdPerMtok', p_price.input_usd_per_mtok,
        'outputUsdPerMtok', p_price.output_usd_per_mtok,
        'cachedInputUsdPerMtok', p_price.cached_input_usd_per_mtok,
        'maxOutputTokens', p_price.max_output_tokens,
        'cacheWriteInputUsdPerMtok', p_price.cache_write_input_usd_per_mtok,
        'tiers', (SELECT jsonb_agg(jsonb_build_object(
                      'fromTokens', (t ->> 'from_tokens')::bigint,
                      'inputUsdPerMtok', (t ->> 'input_usd_per_mtok')::numeric,
                      'outputUsdPerMtok', (t ->> 'output_usd_per_mtok')::numeric,
                      'cachedInputUsdPerMtok', (t ->> 'cached_input_usd_per_mtok')::numeric,
                      'cacheWriteInputUsdPerMtok', (t ->> 'cache_write_input_usd_per_mtok')::numeric) ORDER BY n)
                  FROM jsonb_array_elements(p_price.tiers) WITH ORDINALITY AS e(t, n)),
        'createdAt', p_price.created_at,
        'createdBy', p_price.created_by)
$$;

REVOKE ALL ON FUNCTION private.model_price_json(public.model_prices) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_json(public.model_prices) IS 'A model_prices row as JSON: {model, effectiveFrom, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, maxOutputTokens, cacheWriteInputUsdPerMtok, tiers: [{fromTokens, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, cacheWriteInputUsdPerMtok}] | null, createdAt, createdBy}.';
