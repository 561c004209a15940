-- The gate for callers that know tokens rather than dollars: prices the call as the model it
-- will be GRANTED (the requested one, or the cheaper or hard-cap model the spend tier gives it,
-- decided as check_and_reserve_budget decides it) at that model's price in effect now, then
-- reserves exactly as check_and_reserve_budget does (every budget, tiers and model policy,
-- kill switch, idempotency, expiry, and the rate limits of the granted model with the call's
-- input plus maximum output tokens), and records the price row it used so that
-- settle_llm_call prices the actual tokens at the same row. The amount is never less than
-- any settle of the counts it reserved can cost: input tokens at the dearest of their rates
-- (input, cached, cache write) at the tier the input reaches, plus the maximum output tokens
-- at the output rate (private.call_cost), rounded up to the micro-dollar. A retry with the
-- same idempotency key is priced at the row its reservation recorded, so it gets that
-- reservation back whatever price took effect since. It reads the price under the model's
-- price lock, shared (private.model_price_lock), so no writer rewrites a row it reads. A
-- model with no price is refused (P0002 naming set_model_price), never priced at zero.
CREATE OR REPLACE FUNCTION public.reserve_llm_call(p_service text, p_model text, p_input_tokens integer, p_max_output_tokens integer DEFAULT NULL, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'E.g. reserve_llm_call(''architect'', ''gpt-4o'', 1200, 800): input tokens of the prompt, the most output tokens the call may produce.';
    v_model text;
    v_grant text;
    v_decision text;
    v_s private.budget_settings_t;
    v_spent numeric;
    v_price public.model_prices;
    v_other public.model_prices;
    v_max_output integer;
    v_amount numeric;
    v_priced jsonb;
    v_answer jsonb;
BEGIN
    -- Check: valid input passes one expression (the hot path); the shared checks only run to
    -- say what is wrong, values before the price lookup (the error contract's order).
    v_model := private.strip_blank(p_model);
    IF (length(p_service) <= 200 AND NOT private.is_blank(p_service) AND length(p_model) <= 200 AND v_model <> ''
        AND p_input_tokens BETWEEN 0 AND 100000000 AND coalesce(p_max_output_tokens, 0) BETWEEN 0 AND 100000000
        AND jsonb_typeof(p_metadata) = 'object' AND pg_column_size(p_metadata) <= 65536) IS NOT TRUE THEN
        PERFORM private.check_text('service', p_service, 200, v_hint);
        PERFORM private.check_text('model', p_model, 200, v_hint);
        PERFORM private.check_required('input tokens', p_input_tokens, v_hint);
        PERFORM private.check_required('metadata', p_metadata, 'Pass ''{}''::jsonb or an object such as {"project": "checkout"}.');
        PERFORM private.check_range('input tokens', p_input_tokens, 0, 100000000, v_hint);
        PERFORM private.check_range('maximum output tokens', coalesce(p_max_output_tokens, 0), 0, 100000000, v_hint);
        PERFORM private.check_json_object('metadata', p_metadata, 65536, 'Pass an object such as {"project": "checkout"}.');
    END IF;

    -- A retry: the reservation of this idempotency key today keeps the price row it was priced at.
    IF jsonb_typeof(p_metadata -> 'idempotency_key') = 'string' THEN
        SELECT p.* INTO v_price
        FROM public.budget_reservations AS r
        JOIN public.model_prices AS p ON p.model = r.price_model AND p.effective_from = r.price_effective_from
        WHERE r.budget_day = private.budget_day(now()) AND r.idempotency_key = p_metadata ->> 'idempotency_key';
        IF FOUND THEN
            v_grant := v_price.model;
        END IF;
    END IF;

    IF v_grant IS NULL THEN
        -- The model the gate will grant, decided as it decides it (the tier from the global day's
        -- committed spend): the call is priced, reserved and rate-limited as that model.
        -- The settings row read in place, as the gate reads it (private.budget_settings() when
        -- it is incomplete).
        SELECT (now() AT TIME ZONE c.budget_timezone)::date, c.daily_limit, c.max_single_reservation, c.reservation_ttl,
               c.warning_pct, c.hard_cap_pct, c.critical_pct, c.kill_pct, c.hard_cap_model, c.force_hard_cap,
               c.global_stripes, c.scoped
        INTO v_s
        FROM private.budget_config AS c;
        IF NOT FOUND OR NOT (v_s IS NOT NULL) THEN
            v_s := private.budget_settings();
        END IF;
        SELECT coalesce(sum(g.spent), 0) INTO v_spent
        FROM public.budget_stripes AS g
        WHERE g.scope_rank = 1 AND g.key = '*' AND g.period = 'day' AND g.period_start = v_s.budget_day;
        v_decision := private.budget_model_tier(private.budget_tier(v_spent, v_s), v_s);
        IF v_decision = 'normal' THEN
            v_grant := v_model;  -- the common case: the gate grants the model as asked, or refuses it
            v_decision := NULL;
        ELSE
            SELECT m.model, m.decision INTO v_grant, v_decision
            FROM private.budget_model_for(v_model, v_decision, v_s.hard_cap_model) AS m;
            v_grant := coalesce(v_grant, v_model);  -- refused: priced as asked, the gate refuses it
        END IF;
        -- Price: the row in effect now, read under the model's price lock (shared); none is P0002.
        PERFORM pg_advisory_xact_lock_shared(private.model_price_lock_key(v_grant));
        v_price := private.model_price_at(v_grant, now());
    END IF;
    v_max_output := coalesce(p_max_output_tokens, v_price.max_output_tokens);
    IF v_max_output IS NULL THEN
        RAISE EXCEPTION 'no maximum output tokens for % : the call cannot be priced', v_price.model
            USING ERRCODE = '22023',
                  HINT = format('Pass p_max_output_tokens, or record the model''s with set_model_price(%L, ..., p_max_output_tokens => N).', v_price.model);
    END IF;
    -- Input at the dearest of its rates (all plain, all cached or all cache writes: the cost is
    -- linear in the split), so no settle of these counts costs more. A free price still
    -- reserves a micro-dollar: the gate admits only positive amounts.
    v_amount := greatest(private.call_cost(v_price, p_input_tokens, v_max_output, 0, 0),
                         private.call_cost(v_price, p_input_tokens, v_max_output, p_input_tokens, 0),
                         private.call_cost(v_price, p_input_tokens, v_max_output, 0, p_input_tokens), 0.000001);

    -- Reserve as the gate does, as the granted model, its token counts drawing on the
    -- tokens-per-minute limits.
    v_answer := public.check_and_reserve_budget(
        v_amount, p_service,
        p_metadata || jsonb_build_object('model', v_price.model, 'input_tokens', p_input_tokens,
                                         'max_output_tokens', v_max_output));

    IF (v_answer ->> 'reservationId') IS NOT NULL AND (v_answer ->> 'model') IS DISTINCT FROM v_price.model
       AND (v_answer ->> 'model') IS NOT NULL THEN
        -- The tier moved between the two reads and the gate granted yet another model: settle at
        -- its price when the reservation covers it, else at the one reserved.
        SELECT * INTO v_other FROM public.model_prices AS m
        WHERE m.model = v_answer ->> 'model' AND m.effective_from <= now()
        ORDER BY m.effective_from DESC LIMIT 1;
        IF FOUND AND greatest(private.call_cost(v_other, p_input_tokens, v_max_output, 0, 0),
                              private.call_cost(v_other, p_input_tokens, v_max_output, p_input_tokens, 0),
                              private.call_cost(v_other, p_input_tokens, v_max_output, 0, p_input_tokens)) <= v_amount THEN
            v_price := v_other;
        END IF;
    END IF;
    IF v_grant IS DISTINCT FROM v_model AND v_decision IS NOT NULL
       AND NOT coalesce((v_answer ->> 'idempotentReplay')::boolean, false) THEN
        -- The gate saw the granted model; the caller asked for another.
        v_answer := v_answer || jsonb_build_object(
            'requestedModel', v_model,
            'modelDecision', CASE WHEN v_answer ->> 'modelDecision' = 'as_is' THEN v_decision ELSE v_answer ->> 'modelDecision' END);
    END IF;

    -- Record the price row on the reservation (a replay keeps the one it was priced at).
    IF (v_answer ->> 'reservationId') IS NOT NULL THEN
        UPDATE public.budget_reservations AS r
        SET price_model = v_price.model, price_effective_from = v_price.effective_from,
            priced_input_tokens = p_input_tokens, priced_max_output_tokens = v_max_output,
            requested_model = v_answer ->> 'requestedModel', model_decision = v_answer ->> 'modelDecision'
        WHERE r.id = (v_answer ->> 'reservationId')::uuid AND r.price_model IS NULL;
    END IF;
    v_priced := jsonb_build_object('model', v_price.model, 'priceEffectiveFrom', v_price.effective_from,
                                   'inputTokens', p_input_tokens, 'maxOutputTokens', v_max_output, 'amount', v_amount);
    RETURN v_answer || jsonb_build_object('priced', v_priced);
END
$$;

REVOKE ALL ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.reserve_llm_call(text, text, integer, integer, jsonb) IS 'Price an LLM call as the model the spend tier grants (requested, downgraded or forced) at its price in effect (input tokens at the dearest of their rates at the tier the input reaches + maximum output tokens x output rate, rounded up to the micro-dollar; maximum output defaults to the model''s max_output_tokens) and reserve it as check_and_reserve_budget does, that model''s rate limits included. A retry with the same idempotency key is priced at its reservation''s price row. Returns check_and_reserve_budget''s answer plus priced {model, priceEffectiveFrom, inputTokens, maxOutputTokens, amount}. No price for the model: P0002 naming set_model_price. Settle with settle_llm_call.';
