-- The price of a model in effect at an instant (default now), for callers that price their own
-- calls and for the dashboard. The name goes through the one blank rule as every model name
-- does (private.check_text: surrounding white space and format characters stripped, blank
-- 22023), so it finds the row set_model_price stored under the stripped name. No price is
-- P0002 with a hint naming set_model_price.
CREATE OR REPLACE FUNCTION public.model_price(p_model text, p_at timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Pass the model name as priced, e.g. ''gpt-4o''.';
BEGIN
    PERFORM private.check_required('model', p_model, v_hint);
    PERFORM private.check_required('instant', p_at, 'Pass the instant to price at, or leave it out for now().');
    RETURN private.model_price_json(private.model_price_at(private.check_text('model', p_model, 200, v_hint), p_at));
END
$$;

REVOKE ALL ON FUNCTION public.model_price(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.model_price(text, timestamptz) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.model_price(text, timestamptz) IS 'The model_prices row in effect for p_model (stripped of surrounding blanks) at p_at (default now()), USD per million tokens: {model, effectiveFrom, inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, maxOutputTokens, longContext, createdAt, createdBy}. 22023 for a blank model or an instant before 2000 or over a year ahead; P0002 when the model has no price then (hint: set_model_price).';
