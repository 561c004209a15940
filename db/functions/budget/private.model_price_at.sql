-- The price of a model in effect at an instant: its row with the latest effective_from <= p_at.
-- No such row is P0002 whose hint says how to set one, so a caller (model_price, the gate)
-- never prices a call at zero for want of a price. p_at must be a finite instant from
-- 2000-01-01 to one year ahead (22023): a clock further away is a bug, not a question.
CREATE OR REPLACE FUNCTION private.model_price_at(p_model text, p_at timestamptz) RETURNS public.model_prices
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_p public.model_prices;
BEGIN
    PERFORM private.check_required('model', p_model, 'Pass the model name as priced, e.g. ''gpt-4o''.');
    PERFORM private.check_required('instant', p_at, 'Pass the instant to price at, or leave it out for now().');
    IF length(p_model) > 200 THEN
        RAISE EXCEPTION 'model must be at most 200 characters, got %', length(p_model)
            USING ERRCODE = '22023', HINT = 'Pass the model name as priced, e.g. ''gpt-4o''.';
    END IF;
    IF NOT isfinite(p_at) OR p_at < '2000-01-01 00:00:00+00' OR p_at > now() + interval '1 year' THEN
        RAISE EXCEPTION 'the instant must lie from 2000-01-01 to one year ahead, got %', p_at
            USING ERRCODE = '22023', HINT = 'Pass the instant to price at, or leave it out for now().';
    END IF;
    SELECT * INTO v_p FROM public.model_prices AS m
    WHERE m.model = p_model AND m.effective_from <= p_at
    ORDER BY m.effective_from DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no price for model % at %', p_model, p_at
            USING ERRCODE = 'P0002',
                  HINT = format('Set one with set_model_price(%L, <input USD per million tokens>, <output USD per million tokens>), or import LiteLLM''s prices with moose prices import FILE.', p_model);
    END IF;
    RETURN v_p;
END
$$;

REVOKE ALL ON FUNCTION private.model_price_at(text, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_at(text, timestamptz) IS 'The model_prices row in effect for p_model at p_at (latest effective_from <= p_at); P0002 naming set_model_price when there is none; 22023 for an instant outside 2000-01-01 .. now() + 1 year.';
