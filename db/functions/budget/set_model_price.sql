-- Sets a model's price from an instant (default now), in USD per MILLION tokens: a new row of
-- model_prices, so the history stays (docs/BUDGET.md, "Model prices"). One row per model and
-- instant. A price equal to the one in effect at p_effective_from is 'unchanged' and writes
-- nothing (so the same call again, or the current price set again, adds no row); other prices
-- at an instant not yet in effect replace that row ('replaced'); other prices at an instant
-- already in effect are 55000 (corrections are new rows). A new instant lies between now and a
-- year ahead. Optional, by name: the cache-write rate, and tiers (p_tiers, any number: each
-- prices a whole call from its from_tokens input tokens on at its own rates); the
-- p_long_context_* parameters are the one-tier short form (a call with more input tokens than
-- the threshold: the tier from threshold + 1). Audited when it writes.
CREATE OR REPLACE FUNCTION public.set_model_price(p_model text, p_input_usd_per_mtok numeric, p_output_usd_per_mtok numeric, p_cached_input_usd_per_mtok numeric DEFAULT NULL, p_max_output_tokens integer DEFAULT NULL, p_effective_from timestamptz DEFAULT now(), p_long_context_threshold_tokens integer DEFAULT NULL, p_long_context_input_usd_per_mtok numeric DEFAULT NULL, p_long_context_output_usd_per_mtok numeric DEFAULT NULL, p_long_context_cached_input_usd_per_mtok numeric DEFAULT NULL, p_cache_write_input_usd_per_mtok numeric DEFAULT NULL, p_tiers jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_p public.model_prices;
    v_outcome text;
    v_current public.model_prices;
BEGIN
    v_p.model := p_model;
    v_p.effective_from := p_effective_from;
    v_p.input_usd_per_mtok := p_input_usd_per_mtok;
    v_p.output_usd_per_mtok := p_output_usd_per_mtok;
    v_p.cached_input_usd_per_mtok := p_cached_input_usd_per_mtok;
    v_p.max_output_tokens := p_max_output_tokens;
    v_p.cache_write_input_usd_per_mtok := p_cache_write_input_usd_per_mtok;
    v_p.tiers := p_tiers;
    IF num_nonnulls(p_long_context_threshold_tokens, p_long_context_input_usd_per_mtok,
                    p_long_context_output_usd_per_mtok, p_long_context_cached_input_usd_per_mtok) > 0 THEN
        IF p_long_context_threshold_tokens <= 0 THEN
            RAISE EXCEPTION 'long_context_threshold_tokens must be positive, got %', p_long_context_threshold_tokens
                USING ERRCODE = '22023', HINT = 'The tier applies to calls with more input tokens than this, e.g. 200000.';
        END IF;
        IF num_nulls(p_long_context_threshold_tokens, p_long_context_input_usd_per_mtok, p_long_context_output_usd_per_mtok) > 0
           OR p_tiers IS NOT NULL THEN
            RAISE EXCEPTION 'a long-context tier needs its threshold, input and output rates together'
                USING ERRCODE = '22023',
                      HINT = 'Pass long_context_threshold_tokens with long_context_input_usd_per_mtok and long_context_output_usd_per_mtok (cached optional), or none of them; or p_tiers instead.';
        END IF;
        v_p.tiers := jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'from_tokens', p_long_context_threshold_tokens::bigint + 1,
            'input_usd_per_mtok', p_long_context_input_usd_per_mtok::text,
            'output_usd_per_mtok', p_long_context_output_usd_per_mtok::text,
            'cached_input_usd_per_mtok', p_long_context_cached_input_usd_per_mtok::text)));
    END IF;
    v_p := private.model_price_check(v_p);
    SELECT * INTO v_current FROM public.model_prices AS m
    WHERE m.model = v_p.model AND m.effective_from <= v_p.effective_from
    ORDER BY m.effective_from DESC LIMIT 1;
    IF FOUND AND private.model_price_same(v_current, v_p) THEN
        v_outcome := 'unchanged';
        v_p := v_current;
    ELSE
        v_outcome := private.model_price_write(v_p, false);
        SELECT * INTO v_p FROM public.model_prices AS m WHERE m.model = v_p.model AND m.effective_from = v_p.effective_from;
    END IF;
    IF v_outcome <> 'unchanged' THEN
        INSERT INTO public.audit_log (actor, action, target, details)
        VALUES (private.current_actor(), 'budget.set_model_price', format('model_price:%s', v_p.model),
                private.model_price_json(v_p) || jsonb_build_object('outcome', v_outcome));
    END IF;
    RETURN private.model_price_json(v_p) || jsonb_build_object('outcome', v_outcome, 'inEffect', v_p.effective_from <= now());
END
$$;

REVOKE ALL ON FUNCTION public.set_model_price(text, numeric, numeric, numeric, integer, timestamptz, integer, numeric, numeric, numeric, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_model_price(text, numeric, numeric, numeric, integer, timestamptz, integer, numeric, numeric, numeric, numeric, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.set_model_price(text, numeric, numeric, numeric, integer, timestamptz, integer, numeric, numeric, numeric, numeric, jsonb) IS 'Set a model''s price in USD per million tokens from p_effective_from (default now(), at most a year ahead): input, output, cached input (NULL: the input rate), max output tokens; optional by name: cache-write rate (NULL: the input rate), tiers (p_tiers: [{from_tokens, input/output/cached_input/cache_write_input_usd_per_mtok}] ascending; each prices a whole call from from_tokens input tokens on), or the one-tier short form p_long_context_* (above the threshold). Returns the row now holding the price (model_price''s answer) plus outcome inserted|unchanged (equal to the price in effect then: nothing written)|replaced and inEffect. 55000 for other prices at an instant already in effect (history: set a later instant). Audited.';
