-- Imports a list of model prices (what `moose prices import` reads from LiteLLM's file, already
-- in USD per million tokens) and writes only what changed: each entry is compared with the
-- row of its model in effect at p_effective_from; a model without one, or whose row differs in
-- any rate, max_output_tokens or tier, gets a new row from p_effective_from
-- (private.model_price_write: from now to a year ahead); an equal one is left alone. A model listed twice (after stripping blanks) refuses the call. The
-- import never deletes: a model missing from the list keeps its price. One call is all or
-- nothing; a bad entry is 22023 naming its position and model. Audited with the counts.
CREATE OR REPLACE FUNCTION public.import_model_prices(p_prices jsonb, p_effective_from timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Pass a JSON array of {"model", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_input_usd_per_mtok", "max_output_tokens", "tiers": [{"from_tokens", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_input_usd_per_mtok"}]} in USD per million tokens (moose prices import FILE converts LiteLLM''s file).';
    v_entry jsonb;
    v_index integer := 0;
    v_p public.model_prices;
    v_current public.model_prices;
    v_new integer := 0;
    v_changed integer := 0;
    v_unchanged integer := 0;
    v_had boolean;
    v_twice text;
    v_state text;
    v_message text;
    v_detail_hint text;
BEGIN
    PERFORM private.check_required('prices', p_prices, v_hint);
    PERFORM private.check_required('effective_from', p_effective_from, 'Leave it out for now(), or pass an instant up to a year ahead.');
    IF jsonb_typeof(p_prices) <> 'array' THEN
        RAISE EXCEPTION 'prices must be a JSON array, got %', jsonb_typeof(p_prices) USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    IF jsonb_array_length(p_prices) > 10000 THEN
        RAISE EXCEPTION 'at most 10000 prices per call, got %', jsonb_array_length(p_prices)
            USING ERRCODE = '22023', HINT = 'Send them in chunks inside one transaction (moose prices import does).';
    END IF;
    IF NOT isfinite(p_effective_from) OR p_effective_from < now() OR p_effective_from > now() + interval '1 year' THEN
        RAISE EXCEPTION 'an import takes effect from now to one year ahead, got % (now is %)', p_effective_from, now()
            USING ERRCODE = '22023', HINT = 'Leave p_effective_from out for now(); past prices are history and are not rewritten.';
    END IF;
    -- Listed twice: the same model after the blank rule strips it ("dupx" and "dupx " are one model).
    SELECT string_agg(DISTINCT d.model, ', ') INTO v_twice
    FROM (SELECT private.strip_blank(e.value ->> 'model') AS model FROM jsonb_array_elements(p_prices) AS e
          WHERE jsonb_typeof(e.value -> 'model') = 'string'
          GROUP BY 1 HAVING count(*) > 1) AS d;
    IF v_twice IS NOT NULL THEN
        RAISE EXCEPTION 'model(s) listed more than once: %', left(v_twice, 200)
            USING ERRCODE = '22023', HINT = 'Nothing was imported. One entry per model.';
    END IF;

    BEGIN
        FOR v_entry IN SELECT e.value FROM jsonb_array_elements(p_prices) AS e LOOP
            v_index := v_index + 1;
            v_p := private.model_price_check(private.model_price_from_json(v_entry, p_effective_from));
            SELECT * INTO v_current FROM public.model_prices AS m
            WHERE m.model = v_p.model AND m.effective_from <= p_effective_from
            ORDER BY m.effective_from DESC LIMIT 1;
            v_had := FOUND;
            IF v_had AND private.model_price_same(v_current, v_p) THEN
                v_unchanged := v_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM private.model_price_write(v_p, false);
            IF v_had THEN
                v_changed := v_changed + 1;
            ELSE
                v_new := v_new + 1;
            END IF;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_detail_hint = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'import refused at entry % (%): %', v_index, coalesce(left(v_entry ->> 'model', 80), '?'), v_message
            USING ERRCODE = CASE WHEN v_state IN ('22004', '55000') THEN v_state ELSE '22023' END,
                  HINT = 'Nothing was imported. ' || coalesce(nullif(v_detail_hint, ''), v_hint);
    END;

    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'budget.import_model_prices', 'model_prices',
            jsonb_build_object('effective_from', p_effective_from, 'entries', v_index, 'new_models', v_new,
                               'changed', v_changed, 'unchanged', v_unchanged));
    RETURN jsonb_build_object('effectiveFrom', p_effective_from, 'entries', v_index, 'newModels', v_new,
                              'changed', v_changed, 'unchanged', v_unchanged, 'rowsInserted', v_new + v_changed);
END
$$;

REVOKE ALL ON FUNCTION public.import_model_prices(jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.import_model_prices(jsonb, timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.import_model_prices(jsonb, timestamptz) IS 'Import model prices (JSON array of {model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, cache_write_input_usd_per_mtok, max_output_tokens, tiers}, USD per million tokens, numbers or decimal strings): a new row from p_effective_from (default now()) only for models whose price in effect then differs or is missing. Returns {effectiveFrom, entries, newModels, changed, unchanged, rowsInserted}. All or nothing; 22023 names a bad entry or a model listed twice (after stripping blanks). Audited.';
