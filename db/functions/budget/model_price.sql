-- The price of a model in effect at an instant (default now), for callers that price their own
-- calls and for the dashboard. No price is P0002 with a hint naming set_model_price.
CREATE OR REPLACE FUNCTION public.model_price(p_model text, p_at timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.model_price_json(private.model_price_at(p_model, p_at));
END
$$;

REVOKE ALL ON FUNCTION public.model_price(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.model_price(text, timestamptz) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.model_price(text, timestamptz) IS 'The model_prices row in effect for p_model at p_at (default now()), USD per million tokens: {model, effectiveFrom, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, maxOutputTokens, longContext, createdAt, createdBy}. P0002 when the model has no price then (hint: set_model_price); 22023 for an instant before 2000 or over a year ahead.';
