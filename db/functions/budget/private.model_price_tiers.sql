-- The check of a price row's tiers (model_prices.tiers; private.model_price_check): NULL (no
-- tiers) or a JSON array of 1 to 20 objects, each {from_tokens, input_usd_per_mtok,
-- output_usd_per_mtok, cached_input_usd_per_mtok?, cache_write_input_usd_per_mtok?} with
-- from_tokens a whole number of input tokens from 1, strictly ascending, and every rate a
-- number or decimal string from 0 to under 1,000,000 USD per million tokens. Anything else is
-- 22023 naming the tier. Returns the canonical form: rates as decimal strings without
-- trailing zeros (so equal prices compare equal, and no JSON reader rounds them), absent
-- cache rates left out.
CREATE OR REPLACE FUNCTION private.model_price_tiers(p_tiers jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'Tiers are [{"from_tokens": 200001, "input_usd_per_mtok": "6", "output_usd_per_mtok": "22.5", "cached_input_usd_per_mtok": "0.6", "cache_write_input_usd_per_mtok": "7.5"}, ...] in ascending from_tokens (input tokens from which the tier prices the whole call), rates in USD per MILLION tokens.';
    v_keys constant text[] := ARRAY['from_tokens', 'input_usd_per_mtok', 'output_usd_per_mtok',
                                    'cached_input_usd_per_mtok', 'cache_write_input_usd_per_mtok'];
    v_out jsonb := '[]'::jsonb;
    v_tier jsonb;
    v_index integer := 0;
    v_from bigint := 0;
    v_key text;
    v_text text;
    v_rate numeric;
    v_one jsonb;
BEGIN
    IF p_tiers IS NULL OR jsonb_typeof(p_tiers) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_tiers) <> 'array' OR jsonb_array_length(p_tiers) NOT BETWEEN 1 AND 20 THEN
        RAISE EXCEPTION 'tiers must be a JSON array of 1 to 20 tiers, got %', left(p_tiers::text, 100)
            USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    FOR v_tier IN SELECT e.value FROM jsonb_array_elements(p_tiers) AS e LOOP
        v_index := v_index + 1;
        IF jsonb_typeof(v_tier) <> 'object' OR EXISTS (SELECT 1 FROM jsonb_object_keys(v_tier) AS k WHERE k <> ALL (v_keys)) THEN
            RAISE EXCEPTION 'tier % must be an object with only %', v_index, array_to_string(v_keys, ', ')
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        IF jsonb_typeof(v_tier -> 'from_tokens') IS DISTINCT FROM 'number' OR (v_tier ->> 'from_tokens') !~ '^[0-9]{1,10}$'
           OR (v_tier ->> 'from_tokens')::bigint NOT BETWEEN v_from + 1 AND 2147483647 THEN
            RAISE EXCEPTION 'tier %: from_tokens must be a whole number of input tokens above the previous tier''s (and from 1), got %',
                    v_index, coalesce(v_tier ->> 'from_tokens', 'none')
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        v_from := (v_tier ->> 'from_tokens')::bigint;
        v_one := jsonb_build_object('from_tokens', v_from);
        FOREACH v_key IN ARRAY v_keys[2:5] LOOP
            IF jsonb_typeof(v_tier -> v_key) IS NULL OR jsonb_typeof(v_tier -> v_key) = 'null' THEN
                IF v_key IN ('input_usd_per_mtok', 'output_usd_per_mtok') THEN
                    RAISE EXCEPTION 'tier %: % is required', v_index, v_key USING ERRCODE = '22023', HINT = v_hint;
                END IF;
                CONTINUE;
            END IF;
            v_text := v_tier ->> v_key;
            IF jsonb_typeof(v_tier -> v_key) NOT IN ('number', 'string')
               OR v_text !~ '^[0-9]{1,7}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})?$' THEN
                RAISE EXCEPTION 'tier %: % must be a number of USD per million tokens, got %', v_index, v_key, left(v_text, 60)
                    USING ERRCODE = '22023', HINT = v_hint;
            END IF;
            v_rate := v_text::numeric;
            IF v_rate >= 1000000 THEN
                RAISE EXCEPTION 'tier %: % must be 0 to under 1000000 USD per million tokens, got %', v_index, v_key, v_rate
                    USING ERRCODE = '22023', HINT = v_hint;
            END IF;
            v_one := v_one || jsonb_build_object(v_key, trim_scale(v_rate)::text);
        END LOOP;
        v_out := v_out || jsonb_build_array(v_one);
    END LOOP;
    RETURN v_out;
END
$$;

REVOKE ALL ON FUNCTION private.model_price_tiers(jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_tiers(jsonb) IS 'Check and canonicalize model_prices.tiers: NULL, or 1-20 objects {from_tokens (ascending, from 1), input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok?, cache_write_input_usd_per_mtok?}, rates 0..<1000000 as decimal strings. 22023 naming the tier otherwise.';
