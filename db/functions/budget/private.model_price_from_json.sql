-- One model price entry of an import or a backup as a row (not yet checked: callers pass it to
-- private.model_price_check / model_price_write). The entry is a JSON object with the
-- columns of model_prices by name; rates may be JSON numbers or decimal strings ("2.5"), both
-- read exactly as numeric; the model is a JSON string; `tiers` is a JSON array (checked by
-- private.model_price_tiers). The single long-context tier of older backups and entries
-- (long_context_threshold_tokens with long_context_input/output/cached_input_usd_per_mtok,
-- "more than threshold") is read as the tier from threshold + 1. For an import
-- (p_effective_from given) only model and the price columns are allowed and the instant is
-- p_effective_from; for a restore (NULL) the entry carries its own effective_from, created_at
-- and created_by. Anything else is 22023.
CREATE OR REPLACE FUNCTION private.model_price_from_json(p_entry jsonb, p_effective_from timestamptz) RETURNS public.model_prices
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_allowed constant text[] := ARRAY['model', 'input_usd_per_mtok', 'output_usd_per_mtok', 'cached_input_usd_per_mtok',
        'cache_write_input_usd_per_mtok', 'max_output_tokens', 'tiers'];
    v_legacy constant text[] := ARRAY['long_context_threshold_tokens', 'long_context_input_usd_per_mtok',
        'long_context_output_usd_per_mtok', 'long_context_cached_input_usd_per_mtok'];
    v_unknown text;
    v_p public.model_prices;
BEGIN
    IF p_entry IS NULL OR jsonb_typeof(p_entry) <> 'object' THEN
        RAISE EXCEPTION 'a model price entry must be a JSON object, got %', coalesce(jsonb_typeof(p_entry), 'NULL')
            USING ERRCODE = '22023', HINT = 'Each entry is {"model": ..., "input_usd_per_mtok": ..., "output_usd_per_mtok": ..., ...}.';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_unknown
    FROM jsonb_object_keys(p_entry) AS k
    WHERE k <> ALL (v_allowed || v_legacy || CASE WHEN p_effective_from IS NULL
                                      THEN ARRAY['effective_from', 'created_at', 'created_by'] ELSE '{}'::text[] END);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown field(s) in a model price entry: %', left(v_unknown, 200)
            USING ERRCODE = '22023',
                  HINT = format('Allowed: %s%s.', array_to_string(v_allowed, ', '),
                                CASE WHEN p_effective_from IS NULL THEN ', effective_from, created_at, created_by'
                                     ELSE ' (the instant is the import''s effective_from)' END);
    END IF;
    IF jsonb_typeof(p_entry -> 'model') IS DISTINCT FROM 'string' THEN
        RAISE EXCEPTION 'a model price entry''s model must be a JSON string, got %', coalesce(jsonb_typeof(p_entry -> 'model'), 'none')
            USING ERRCODE = '22023', HINT = 'Name the model as text, e.g. {"model": "gpt-4o", ...}.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_each(p_entry) AS e
               WHERE jsonb_typeof(e.value) NOT IN ('string', 'number', 'null') AND NOT (e.key = 'tiers' AND jsonb_typeof(e.value) = 'array')) THEN
        RAISE EXCEPTION 'a model price entry''s values must be strings, numbers or null (tiers: an array)'
            USING ERRCODE = '22023', HINT = 'Rates are JSON numbers or decimal strings in USD per million tokens.';
    END IF;
    v_p := jsonb_populate_record(NULL::public.model_prices, p_entry - 'tiers');
    v_p.tiers := CASE WHEN jsonb_typeof(p_entry -> 'tiers') = 'array' THEN p_entry -> 'tiers' END;
    IF EXISTS (SELECT 1 FROM jsonb_each(p_entry) AS e WHERE e.key = ANY (v_legacy) AND jsonb_typeof(e.value) <> 'null') THEN
        IF v_p.tiers IS NOT NULL OR (p_entry ->> 'long_context_threshold_tokens') !~ '^[0-9]{1,10}$' THEN
            RAISE EXCEPTION 'a long-context tier needs its threshold as a whole number of tokens, and no tiers beside it'
                USING ERRCODE = '22023',
                      HINT = 'Give tiers [{"from_tokens": threshold + 1, "input_usd_per_mtok": ..., "output_usd_per_mtok": ...}] instead.';
        END IF;
        v_p.tiers := jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'from_tokens', (p_entry ->> 'long_context_threshold_tokens')::bigint + 1,
            'input_usd_per_mtok', p_entry -> 'long_context_input_usd_per_mtok',
            'output_usd_per_mtok', p_entry -> 'long_context_output_usd_per_mtok',
            'cached_input_usd_per_mtok', p_entry -> 'long_context_cached_input_usd_per_mtok')));
    END IF;
    IF p_effective_from IS NOT NULL THEN
        v_p.effective_from := p_effective_from;
    END IF;
    RETURN v_p;
END
$$;

REVOKE ALL ON FUNCTION private.model_price_from_json(jsonb, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_from_json(jsonb, timestamptz) IS 'A model price entry (JSON object with model_prices columns; model a string; rates as numbers or decimal strings, read exactly; tiers an array; an older entry''s long_context_* tier read as the tier from threshold + 1) as a row: import form (p_effective_from given: model and price columns only) or backup form (NULL: with effective_from, created_at, created_by). 22023 for a non-object, unknown fields, a model that is not a string or nested values; a value of the wrong type raises its cast error.';
