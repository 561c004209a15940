-- The gate in front of every LLM call (runbook 4.2, DESIGN "Budget"): admits an estimated
-- amount against today's ledger row in one conditional UPDATE (locks one row; never sums
-- cost_tracking), so under any number of concurrent callers spent + reserved never passes the
-- limit; records the reservation (before taking that lock, so the lock covers only the UPDATE
-- and the commit) with an expiry; tells the caller which model it must use in the current
-- spend tier. A refusal is an answer (canProceed false, reason), not an error.
-- The same metadata.idempotency_key on the same budget day returns the same reservation.
CREATE OR REPLACE FUNCTION public.check_and_reserve_budget(
    p_amount numeric,
    p_service_name text,
    p_metadata jsonb DEFAULT '{}'::jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_s private.budget_settings_t;
    v_day date;
    v_key text;
    v_model text;
    v_existing public.budget_reservations%ROWTYPE;
    v_spent numeric;
    v_reserved numeric;
    v_carried numeric;
    v_killed boolean;
    v_tier text;
    v_grant text;
    v_decision text;
    v_id uuid;
    v_expires timestamptz;
    v_reason text;
    v_attempt integer := 0;
    v_swept boolean := false;
BEGIN
    -- Bad input: an error that writes nothing. Valid input passes the first test alone; the
    -- checks inside it only run to say what is wrong (this is the hot path: one expression
    -- instead of a dozen statements).
    IF (p_amount > 0 AND p_amount < 'Infinity'::numeric AND p_amount = round(p_amount, 6)
        AND length(p_service_name) <= 200 AND NOT private.is_blank(p_service_name)
        AND jsonb_typeof(p_metadata) = 'object' AND pg_column_size(p_metadata) <= 65536) IS NOT TRUE THEN
        IF p_amount IS NULL THEN
            RAISE EXCEPTION 'amount must not be NULL'
                USING ERRCODE = '22004', HINT = 'Pass the estimated cost in USD, e.g. check_and_reserve_budget(0.25, ''architect'').';
        END IF;
        IF p_amount = 'NaN'::numeric OR p_amount IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
            RAISE EXCEPTION 'amount must be a finite number, got %', p_amount
                USING ERRCODE = '22023', HINT = 'Pass the estimated cost in USD as a positive number.';
        END IF;
        IF p_amount <= 0 THEN
            RAISE EXCEPTION 'amount must be positive, got %', p_amount
                USING ERRCODE = '22023', HINT = 'Reserve the estimated cost of the call (> 0); record refunds as corrections, not reservations.';
        END IF;
        IF p_amount <> round(p_amount, 6) THEN
            RAISE EXCEPTION 'amount has more than 6 decimal places: %', p_amount
                USING ERRCODE = '22023', HINT = 'Round the estimate to micro-dollars (6 decimal places).';
        END IF;
        IF p_service_name IS NULL THEN
            RAISE EXCEPTION 'service name must not be NULL'
                USING ERRCODE = '22004', HINT = 'Name the calling service, e.g. ''architect'' or ''orchestrator''.';
        END IF;
        PERFORM private.check_text('service name', p_service_name, 200,
                                   'Name the calling service, e.g. ''architect'' or ''orchestrator''.');
        IF p_metadata IS NULL THEN
            RAISE EXCEPTION 'metadata must not be NULL'
                USING ERRCODE = '22004', HINT = 'Pass ''{}''::jsonb, or an object such as {"model": "gpt-4o", "idempotency_key": "wo-1-step-3"}.';
        END IF;
        IF jsonb_typeof(p_metadata) <> 'object' THEN
            RAISE EXCEPTION 'metadata must be a JSON object, got %', jsonb_typeof(p_metadata)
                USING ERRCODE = '22023', HINT = 'Pass an object such as {"model": "gpt-4o", "idempotency_key": "wo-1-step-3"}.';
        END IF;
        IF pg_column_size(p_metadata) > 65536 THEN
            RAISE EXCEPTION 'metadata is too large (% bytes)', pg_column_size(p_metadata)
                USING ERRCODE = '22023', HINT = 'Keep reservation metadata under 64 kB: ids and labels, not payloads.';
        END IF;
    END IF;
    IF p_metadata ? 'idempotency_key' THEN
        IF jsonb_typeof(p_metadata -> 'idempotency_key') <> 'string'
           OR length(p_metadata ->> 'idempotency_key') NOT BETWEEN 1 AND 200 THEN
            RAISE EXCEPTION 'metadata.idempotency_key must be a string of 1 to 200 characters'
                USING ERRCODE = '22023', HINT = 'Use a key that names the call, e.g. "wo-123-attempt-2"; retries send the same key.';
        END IF;
        v_key := p_metadata ->> 'idempotency_key';
    END IF;
    IF p_metadata ? 'model' THEN
        IF jsonb_typeof(p_metadata -> 'model') <> 'string' OR length(p_metadata ->> 'model') NOT BETWEEN 1 AND 200 THEN
            RAISE EXCEPTION 'metadata.model must be a string of 1 to 200 characters'
                USING ERRCODE = '22023', HINT = 'Name the model you intend to call, e.g. "gpt-4o"; see table model_policies.';
        END IF;
        v_model := p_metadata ->> 'model';
    END IF;

    -- The settings row read in place (private.budget_settings() reads the same row; calling it
    -- costs a function frame per reservation), falling back to it when the row is incomplete,
    -- which also names a missing key.
    SELECT (now() AT TIME ZONE c.budget_timezone)::date, c.daily_limit, c.max_single_reservation, c.reservation_ttl,
           c.warning_pct, c.hard_cap_pct, c.critical_pct, c.kill_pct, c.hard_cap_model, c.force_hard_cap
    INTO v_s
    FROM private.budget_config AS c;
    IF NOT FOUND OR NOT (v_s IS NOT NULL) THEN
        v_s := private.budget_settings();
    END IF;
    IF p_amount > v_s.max_single_reservation THEN
        RAISE EXCEPTION 'amount % is above the largest single reservation %', p_amount, v_s.max_single_reservation
            USING ERRCODE = '22023',
                  HINT = 'Split the work, or raise system_config.max_single_reservation if such calls are expected.';
    END IF;
    v_day := v_s.budget_day;

    -- The reservation is recorded first, before the admission below takes the day's row lock:
    -- that lock is held until commit and every reservation of the day queues on it, so the
    -- INSERT (heap, indexes, a wait on a concurrent call with the same key) stays out of it.
    -- Recorded for the normal tier, where most calls of a day fall (its model rules, or the
-- hard-cap model while budget_force_hard_cap_model is on); under the lock the spend
    -- decides, the row is corrected if the tier is another, and a refusal deletes it again,
    -- so a refused call writes nothing.
    IF v_model IS NULL AND NOT v_s.force_hard_cap THEN
        v_decision := 'any';  -- the common case, decided without a call
    ELSE
        SELECT m.model, m.decision INTO v_grant, v_decision
        FROM private.budget_model_for(v_model, private.budget_model_tier('normal', v_s), v_s.hard_cap_model) AS m;
    END IF;
    v_expires := now() + v_s.reservation_ttl;
    IF v_key IS NULL THEN
        INSERT INTO public.budget_reservations (budget_day, amount, service_name, tier, requested_model, model,
                                                model_decision, metadata, expires_at)
        VALUES (v_day, p_amount, p_service_name, 'normal', v_model, v_grant, v_decision, p_metadata, v_expires)
        RETURNING id INTO v_id;
    ELSE
        INSERT INTO public.budget_reservations (budget_day, amount, service_name, idempotency_key, tier,
                                                requested_model, model, model_decision, metadata, expires_at)
        VALUES (v_day, p_amount, p_service_name, v_key, 'normal', v_model, v_grant, v_decision, p_metadata, v_expires)
        ON CONFLICT (budget_day, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            -- The key's reservation exists (a retry, or a concurrent call with the same key that
            -- committed first, which this INSERT waited for): the same reservation, and nothing
            -- reserved by this call.
            SELECT * INTO v_existing FROM public.budget_reservations AS r
            WHERE r.budget_day = v_day AND r.idempotency_key = v_key AND r.idempotency_key IS NOT NULL;
            PERFORM private.budget_check_replay(v_existing, p_amount, p_service_name);
            RETURN private.budget_reservation_answer(v_existing, v_s);
        END IF;
    END IF;

    -- The admission: one statement checks the kill switch copy and the limit under the day's
    -- row lock and adds the amount; a concurrent writer makes it re-check the newest row
    -- version. Nothing reads the ledger row before (a plain read of a row this hot costs more
    -- than the lock), and the lock is held until commit, so what follows is kept short.
    LOOP
        UPDATE public.budget_ledger AS l
        SET reserved = l.reserved + p_amount
        WHERE l.budget_day = v_day
          AND NOT l.killed
          AND l.spent + l.reserved + l.carried_in + p_amount <= v_s.daily_limit
        RETURNING l.spent, l.reserved, l.carried_in INTO v_spent, v_reserved, v_carried;
        EXIT WHEN FOUND;
        v_attempt := v_attempt + 1;
        SELECT l.spent, l.reserved, l.carried_in, l.killed INTO v_spent, v_reserved, v_carried, v_killed
        FROM public.budget_ledger AS l WHERE l.budget_day = v_day;
        IF NOT FOUND THEN
            PERFORM private.budget_open_day(v_day);  -- the first call of the budget day
        ELSIF NOT v_killed AND NOT v_swept AND v_spent + v_reserved + v_carried + p_amount > v_s.daily_limit
              AND EXISTS (SELECT 1 FROM public.budget_reservations AS r
                          WHERE r.status = 'open' AND r.expires_at <= now() AND r.budget_day = v_day) THEN
            -- Full, but partly with reservations past their expiry the sweep has not freed yet:
            -- free them now and try again, so expiry takes effect where it matters.
            v_swept := true;
            PERFORM public.expire_reservations();
        ELSIF v_killed OR v_spent + v_reserved + v_carried + p_amount > v_s.daily_limit OR v_attempt > 3 THEN
            v_reason := CASE WHEN v_killed THEN 'kill_switch' WHEN v_s.daily_limit <= 0 THEN 'limit_zero'
                             ELSE 'limit_exceeded' END;
            EXIT;
        END IF;
        -- Else the row appeared (a concurrent first call of the day) or changed since the UPDATE
        -- looked: try again.
    END LOOP;
    v_tier := private.budget_tier(coalesce(v_spent, 0), v_s);

    IF v_reason IS NULL THEN
        IF v_tier <> 'normal' THEN
            v_grant := NULL;
            SELECT m.model, m.decision INTO v_grant, v_decision
            FROM private.budget_model_for(v_model, private.budget_model_tier(v_tier, v_s), v_s.hard_cap_model) AS m;
        END IF;
        IF v_decision = 'refused' THEN
            v_reason := CASE WHEN v_tier = 'emergency_kill' THEN 'emergency_tier' ELSE 'model_not_allowed' END;
            UPDATE public.budget_ledger AS l SET reserved = l.reserved - p_amount WHERE l.budget_day = v_day
            RETURNING l.reserved INTO v_reserved;
        ELSIF v_tier <> 'normal' THEN
            UPDATE public.budget_reservations AS r
            SET tier = v_tier, model = v_grant, model_decision = v_decision
            WHERE r.id = v_id;
        END IF;
    END IF;

    IF v_reason IS NOT NULL THEN
        DELETE FROM public.budget_reservations AS r WHERE r.id = v_id;  -- recorded above; a refusal writes nothing
        RETURN jsonb_build_object(
            'canProceed', false,
            'reason', v_reason,
            'message', CASE v_reason
                WHEN 'kill_switch' THEN 'The emergency kill switch is on: no LLM call may start. See budget_status().'
                WHEN 'limit_zero' THEN 'The daily budget limit is 0: every reservation is refused until it is raised.'
                WHEN 'limit_exceeded' THEN format('Reserving %s would pass the daily limit of %s.', p_amount, v_s.daily_limit)
                WHEN 'emergency_tier' THEN 'Spend has reached the emergency kill share of the limit.'
                ELSE format('Model %s is not allowed in the %s tier; use %s.', v_model, v_tier, v_s.hard_cap_model) END,
            'currentTotal', coalesce(v_spent, 0),
            'reservationId', NULL,
            'tier', v_tier,
            'model', CASE WHEN v_reason = 'model_not_allowed' THEN v_s.hard_cap_model END,
            'requestedModel', v_model,
            'limit', v_s.daily_limit,
            'reserved', coalesce(v_reserved, 0),
            'remaining', greatest(v_s.daily_limit - coalesce(v_spent + v_reserved + v_carried, 0), 0),
            'expiresAt', NULL,
            'budgetDay', v_day);
    END IF;

    RETURN jsonb_build_object(
        'canProceed', true,
        'currentTotal', v_spent,
        'reservationId', v_id,
        'amount', p_amount::numeric(14, 6),
        'status', 'open',
        'tier', v_tier,
        'model', v_grant,
        'modelDecision', v_decision,
        'requestedModel', v_model,
        'limit', v_s.daily_limit,
        'reserved', v_reserved,
        'remaining', v_s.daily_limit - v_spent - v_reserved - v_carried,
        'expiresAt', v_expires,
        'budgetDay', v_day);
END
$$;

REVOKE ALL ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) IS
    'Reserve an estimated LLM cost against today''s budget. Returns {canProceed, currentTotal, reservationId, amount, status, tier, model, modelDecision, requestedModel, limit, reserved, remaining, expiresAt, budgetDay}; refused: canProceed false with reason kill_switch | limit_zero | limit_exceeded | emergency_tier | model_not_allowed. metadata.model is checked against the tier; metadata.idempotency_key makes retries return the same reservation. Settle with settle_reservation, or release_reservation.';
