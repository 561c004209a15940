-- Records what a reserved LLM call actually cost: writes its cost_tracking row exactly once
-- (cost_tracking.reservation_id is unique) booked on exactly the stripes the reservation
-- debited, and frees the reserved amount there. The actual cost may exceed the estimate. A
-- second settle with the same cost returns the same row; another cost is an error.
-- Recording a real cost never fails because of what happened after the reservation: a kill
-- (a cancelled reservation can still be settled: the call was in flight), a removed or
-- lowered budget, a deleted work order (the row gets a NULL work order). Expired and released
-- reservations cannot be settled. A settle after its reservation's day closed books on that day
-- (and its month) all the same; if that takes a closed period of any budget past its limit it
-- raises an alert and opens a budget_overspent escalation (private.budget_overspend_check).
-- Token counts in the metadata (input_tokens and output_tokens, both or neither; cached_input_tokens
-- among the input tokens) settle the tokens rate limits: the tokens drawn and not used go back,
-- the tokens used beyond what was drawn are drawn (a bucket may go below zero).
CREATE OR REPLACE FUNCTION public.settle_reservation(
    p_reservation_id uuid, p_actual_cost numeric, p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_r public.budget_reservations%ROWTYPE;
    v_refs jsonb;
    v_kill boolean := false;
    v_cost_id bigint;
    v_work_order uuid;
    v_work_order_text text;
    v_was_open boolean;
    v_spent numeric;
    v_tokens_used bigint;
    v_late boolean := false;
BEGIN
    PERFORM private.check_required('reservation id', p_reservation_id,
        'Pass the reservationId that check_and_reserve_budget returned.');
    PERFORM private.check_required('actual cost', p_actual_cost,
        'Pass what the call cost in USD (0 if it cost nothing), or release the reservation.');
    IF p_actual_cost = 'NaN'::numeric OR p_actual_cost IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'actual cost must be a finite number, got %', p_actual_cost
            USING ERRCODE = '22023', HINT = 'Pass what the call cost in USD.';
    END IF;
    IF p_actual_cost < 0 THEN
        RAISE EXCEPTION 'actual cost must not be negative, got %', p_actual_cost
            USING ERRCODE = '22023', HINT = 'Pass what the call cost in USD (>= 0); use release_reservation when it never ran.';
    END IF;
    IF p_actual_cost <> round(p_actual_cost, 6) OR p_actual_cost >= 1000000000 THEN
        RAISE EXCEPTION 'actual cost % has more than 6 decimal places or is too large', p_actual_cost
            USING ERRCODE = '22023', HINT = 'Round to micro-dollars; costs are below 1,000,000,000 USD.';
    END IF;
    IF p_metadata IS NULL OR jsonb_typeof(p_metadata) <> 'object' THEN
        RAISE EXCEPTION 'metadata must be a JSON object, got %', coalesce(jsonb_typeof(p_metadata), 'NULL')
            USING ERRCODE = CASE WHEN p_metadata IS NULL THEN '22004' ELSE '22023' END,
                  HINT = 'Pass ''{}''::jsonb or an object such as {"tokens_in": 1200, "tokens_out": 300}.';
    END IF;

    IF p_metadata ? 'input_tokens' OR p_metadata ? 'output_tokens' OR p_metadata ? 'cached_input_tokens' THEN
        -- Tokens used settle the tokens-per-minute limits (the tokens drawn and not used go
        -- back, tokens used beyond them are drawn): both counts or neither. The test is IS NOT
        -- TRUE, so a count left out (NULL) refuses rather than passing as unknown.
        IF ((p_metadata ->> 'input_tokens') ~ '^[0-9]{1,9}$' AND (p_metadata ->> 'output_tokens') ~ '^[0-9]{1,9}$'
            AND coalesce(p_metadata ->> 'cached_input_tokens', '0') ~ '^[0-9]{1,9}$'
            AND jsonb_typeof(p_metadata -> 'input_tokens') = 'number' AND jsonb_typeof(p_metadata -> 'output_tokens') = 'number'
            AND coalesce(jsonb_typeof(p_metadata -> 'cached_input_tokens'), 'number') = 'number') IS NOT TRUE THEN
            RAISE EXCEPTION 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens'
                USING ERRCODE = '22023',
                      HINT = 'Pass what the call used, e.g. {"input_tokens": 1200, "output_tokens": 350, "cached_input_tokens": 0}, or no token counts.';
        END IF;
        IF coalesce(p_metadata ->> 'cached_input_tokens', '0')::bigint > (p_metadata ->> 'input_tokens')::bigint THEN
            RAISE EXCEPTION 'metadata.cached_input_tokens (%) must not exceed metadata.input_tokens (%)',
                    p_metadata ->> 'cached_input_tokens', p_metadata ->> 'input_tokens'
                USING ERRCODE = '22023', HINT = 'Input tokens count the cached ones, as the providers report them.';
        END IF;
        -- Cached input tokens are among the input tokens (as in OpenAI's usage): counted once.
        v_tokens_used := (p_metadata ->> 'input_tokens')::bigint + (p_metadata ->> 'output_tokens')::bigint;
    END IF;

    v_work_order_text := p_metadata ->> 'work_order_id';
    IF v_work_order_text !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RAISE EXCEPTION 'metadata.work_order_id is not a uuid: %', left(v_work_order_text, 100)
            USING ERRCODE = '22023', HINT = 'Pass the work order''s id, or leave work_order_id out.';
    END IF;

    SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id;
    PERFORM private.check_found(FOUND, 'reservation', p_reservation_id,
        'Pass the reservationId that check_and_reserve_budget returned.');
    IF v_r.status <> 'settled' THEN
        -- Lock order: the reservation's stripes (when this cost may fire the automatic kill,
        -- the kill's lock set first; when its day is over, every stripe of its closed periods),
        -- then the reservation row, re-checked under its lock.
        v_refs := coalesce(v_r.debits, jsonb_build_array(jsonb_build_array(1, '*', 'day', v_r.budget_day, 0)));
        v_kill := private.budget_kill_due(v_r.budget_day, p_actual_cost);
        v_late := v_r.budget_day < private.budget_day(now());
        PERFORM private.budget_lock(v_refs || CASE WHEN v_late THEN private.budget_closed_refs(v_refs) ELSE '[]'::jsonb END,
                                    CASE WHEN v_kill THEN private.budget_kill_days() END);
        SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id FOR UPDATE;
    END IF;

    IF v_r.status = 'settled' THEN  -- settled before, or by a concurrent settle that won
        IF v_r.actual_cost = p_actual_cost THEN
            SELECT c.id INTO v_cost_id FROM public.cost_tracking AS c WHERE c.reservation_id = v_r.id;
            RETURN jsonb_build_object('reservationId', v_r.id, 'status', 'settled', 'costTrackingId', v_cost_id,
                                      'actualCost', v_r.actual_cost, 'estimatedAmount', v_r.amount,
                                      'settledAt', v_r.closed_at, 'alreadySettled', true);
        END IF;
        RAISE EXCEPTION 'reservation % is already settled with cost %', v_r.id, v_r.actual_cost
            USING ERRCODE = '55000', HINT = 'A reservation is settled once; record a correction in cost_tracking if the cost was wrong.';
    END IF;
    IF v_r.status IN ('released', 'expired') OR (v_r.status = 'open' AND v_r.expires_at <= now()) THEN
        RAISE EXCEPTION 'reservation % is % and cannot be settled',
                v_r.id, CASE WHEN v_r.status = 'open' THEN 'expired' ELSE v_r.status END
            USING ERRCODE = '55000',
                  HINT = 'Reserve again before calling; if the call did run, record its cost with INSERT INTO cost_tracking (service_name, cost, metadata).';
    END IF;

    -- The work order: one named by this settle must exist (a caller's mistake otherwise); the
    -- reservation's own was checked when it was admitted, and if it is gone since, the cost
    -- is still recorded, with a NULL work order.
    IF v_work_order_text IS NOT NULL THEN
        v_work_order := v_work_order_text::uuid;
        IF NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = v_work_order) THEN
            RAISE EXCEPTION 'work order % does not exist', v_work_order
                USING ERRCODE = 'P0002', HINT = 'Check metadata.work_order_id against work_orders.';
        END IF;
    ELSIF v_r.metadata ->> 'work_order_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT w.id INTO v_work_order FROM public.work_orders AS w WHERE w.id = (v_r.metadata ->> 'work_order_id')::uuid;
    END IF;

    v_was_open := v_r.status = 'open';
    -- Close the reservation before writing the cost row: an automatic kill fired by the
    -- crossing then no longer sees it as open, so its amount is freed exactly once.
    UPDATE public.budget_reservations AS r
    SET status = 'settled', actual_cost = p_actual_cost, closed_at = now()
    WHERE r.id = v_r.id;
    PERFORM private.budget_apply(v_refs, p_actual_cost, CASE WHEN v_was_open THEN v_r.amount ELSE 0 END);

    -- Booked above: the cost row's trigger is told to leave this one row alone.
    PERFORM set_config('moose.budget_booked_reservation', v_r.id::text, true);
    INSERT INTO public.cost_tracking (service_name, cost, work_order_id, metadata, reservation_id, budget_debits)
    VALUES (v_r.service_name, p_actual_cost, v_work_order,
            v_r.metadata || p_metadata || jsonb_build_object('reservation_id', v_r.id, 'estimated_amount', v_r.amount,
                                                             'model', v_r.model, 'tier', v_r.tier),
            v_r.id, v_refs)
    RETURNING id INTO v_cost_id;
    PERFORM set_config('moose.budget_booked_reservation', '', true);
    PERFORM private.budget_check_crossings(v_r.budget_day, v_kill);
    IF v_late THEN  -- a late settle that takes a closed period past its limit is never silent
        PERFORM private.budget_overspend_check(v_refs, v_r.id, v_work_order, v_cost_id);
    END IF;
    IF v_was_open AND v_tokens_used IS NOT NULL THEN
        -- Last in the lock order: the tokens drawn and not used go back to their buckets.
        PERFORM private.rate_limit_give_back(v_r.rate_holds, v_tokens_used);
    END IF;

    SELECT coalesce(sum(g.spent), 0) INTO v_spent FROM public.budget_stripes AS g
    WHERE g.scope_rank = 1 AND g.key = '*' AND g.period = 'day' AND g.period_start = v_r.budget_day;
    RETURN jsonb_build_object('reservationId', v_r.id, 'status', 'settled', 'costTrackingId', v_cost_id,
                              'actualCost', p_actual_cost, 'estimatedAmount', v_r.amount, 'settledAt', now(),
                              'alreadySettled', false, 'wasCancelled', NOT v_was_open,
                              'dailyTotal', v_spent, 'budgetDay', v_r.budget_day);
END
$$;

REVOKE ALL ON FUNCTION public.settle_reservation(uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_reservation(uuid, numeric, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.settle_reservation(uuid, numeric, jsonb) IS 'Record the actual cost of a reserved call: writes its cost_tracking row exactly once and frees the reserved amount (actual may exceed the estimate). Same cost again returns the same row; another cost is 55000. Unknown id P0002; expired or released 55000; negative cost 22023. metadata.input_tokens + output_tokens, both or neither (cached_input_tokens are among the input tokens), settle the tokens rate limits: unused tokens go back, tokens beyond what was drawn are drawn.';
