-- The one check of a model price row before it is written (set_model_price, import_model_prices,
-- restore_config): NULLs first (22004: model, input and output rates, effective_from), then
-- values (22023): the model non-blank and at most 200 characters, every rate a finite USD
-- amount per MILLION tokens from 0 to under 1,000,000, max_output_tokens positive, the tiers
-- (private.model_price_tiers) in order and whole, effective_from a finite instant from
-- 2000-01-01. Returns the row as stored: model stripped, rates without trailing zeros, tiers
-- in their canonical form.
CREATE OR REPLACE FUNCTION private.model_price_check(p_price public.model_prices) RETURNS public.model_prices
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Prices are USD per MILLION tokens (LiteLLM''s per-token 2.5e-06 is 2.5 here), e.g. set_model_price(''gpt-4o'', 2.5, 10, 1.25, 16384).';
    v_p public.model_prices := p_price;
    v_rate record;
BEGIN
    PERFORM private.check_required('model', v_p.model, v_hint);
    PERFORM private.check_required('input_usd_per_mtok', v_p.input_usd_per_mtok, v_hint);
    PERFORM private.check_required('output_usd_per_mtok', v_p.output_usd_per_mtok, v_hint);
    PERFORM private.check_required('effective_from', v_p.effective_from,
        'Pass the instant the price takes effect, or leave it out for now().');
    v_p.model := private.check_text('model', v_p.model, 200, v_hint);
    FOR v_rate IN
        SELECT r.what, r.value FROM (VALUES
            ('input_usd_per_mtok', v_p.input_usd_per_mtok), ('output_usd_per_mtok', v_p.output_usd_per_mtok),
            ('cached_input_usd_per_mtok', v_p.cached_input_usd_per_mtok),
            ('cache_write_input_usd_per_mtok', v_p.cache_write_input_usd_per_mtok)) AS r(what, value)
        WHERE r.value IS NOT NULL
    LOOP
        IF v_rate.value = 'NaN'::numeric OR v_rate.value < 0 OR v_rate.value >= 1000000 THEN
            RAISE EXCEPTION '% must be 0 to under 1000000 USD per million tokens, got %', v_rate.what, v_rate.value
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
    END LOOP;
    IF v_p.max_output_tokens <= 0 THEN
        RAISE EXCEPTION 'max_output_tokens must be positive, got %', v_p.max_output_tokens
            USING ERRCODE = '22023', HINT = 'Pass the model''s largest output in tokens, or NULL when unknown.';
    END IF;
    v_p.tiers := private.model_price_tiers(v_p.tiers);
    IF NOT isfinite(v_p.effective_from) OR v_p.effective_from < '2000-01-01 00:00:00+00' THEN
        RAISE EXCEPTION 'effective_from must be a finite instant from 2000-01-01, got %', v_p.effective_from
            USING ERRCODE = '22023', HINT = 'Pass the instant the price takes effect, or leave it out for now().';
    END IF;
    v_p.input_usd_per_mtok := trim_scale(v_p.input_usd_per_mtok);
    v_p.output_usd_per_mtok := trim_scale(v_p.output_usd_per_mtok);
    v_p.cached_input_usd_per_mtok := trim_scale(v_p.cached_input_usd_per_mtok);
    v_p.cache_write_input_usd_per_mtok := trim_scale(v_p.cache_write_input_usd_per_mtok);
    RETURN v_p;
END
$$;

REVOKE ALL ON FUNCTION private.model_price_check(public.model_prices) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_check(public.model_prices) IS 'Validate a model price row (22004 for a NULL model, input or output rate or effective_from; 22023 for a blank model, a rate outside 0..<1000000 USD per million tokens, a non-positive max_output_tokens, bad tiers, an instant before 2000); returns it with the model stripped, rates trimmed of trailing zeros and tiers canonical.';
