-- The gate in front of every LLM call (runbook 4.2, docs/BUDGET.md): admits an estimated
-- amount against every budget that applies to the call, all or nothing: the global day budget
-- (daily_budget_limit) and the service, project, work-order and global month/total budgets.
-- Each budget's allowance is split over escrow stripes; the amount is debited on one stripe
-- per budget with one conditional UPDATE (private.budget_debit rebalances or refuses when
-- that stripe is short), so concurrent callers mostly lock different rows and no budget ever
-- passes its limit. Records the reservation with the stripes it debited and an expiry; tells
-- the caller which model it must use in the current spend tier. A refusal is an answer
-- (canProceed false, reason, and scope when a scoped budget refused), not an error.
-- A service or work-order cap refusal opens its budget_cap_reached escalation, once per scope
-- and period (private.budget_cap_escalate).
-- The same metadata.idempotency_key on the same budget day returns the same reservation.
-- Rate limits (set_rate_limit) apply in the same step, after the budgets: 1 request from every
-- requests bucket of the call's global scope, service, model and project, and its tokens
-- (metadata.input_tokens + metadata.max_output_tokens, when given) from every tokens bucket;
-- a short bucket refuses the call (reason rate_limited, retryAfterMs, limit) and the budgets
-- are given back.
-- The names budgets and rate limits match on (the service name, metadata.model,
-- metadata.project, metadata.work_order_id) pass through the shared blank rule: surrounding
-- blanks (private.strip_blank: Unicode white space, format characters and blank fillers) are
-- stripped, so U&'svc\200B' is service svc and 'gpt-4o ' model gpt-4o (the reservation records
-- the stripped service name and model; metadata is kept as sent).
-- Every limit and stripe count the call decides with is the one in force under the locks it
-- debits with (docs/BUDGET.md, "Exactness under limit changes"): the stripes hold the limits,
-- and new stripes are created from the budget rows read under their locks.
CREATE OR REPLACE FUNCTION public.check_and_reserve_budget(
    p_amount numeric, p_service_name text, p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_s private.budget_settings_t;
    v_service text;
    v_day date;
    v_key text;
    v_model text;
    v_project text;
    v_work_order text;
    v_existing public.budget_reservations%ROWTYPE;
    v_r public.budget_reservations%ROWTYPE;
    v_spent numeric;
    v_reserved numeric;
    v_killed boolean;
    v_tier text;
    v_grant text;
    v_decision text;
    v_reason text;
    v_stripe integer;
    v_debits jsonb;
    v_scope jsonb;
    v_tokens bigint;
    v_rate jsonb;
    v_b record;
    v_d record;
BEGIN
    -- Bad input: an error that writes nothing. Valid input passes the first test alone; the
    -- checks inside it only run to say what is wrong (this is the hot path: one expression
    -- instead of a dozen statements).
    v_service := private.strip_blank(p_service_name);
    IF (p_amount > 0 AND p_amount < 'Infinity'::numeric AND p_amount = round(p_amount, 6)
        AND length(p_service_name) <= 200 AND v_service <> ''
        AND jsonb_typeof(p_metadata) = 'object' AND pg_column_size(p_metadata) <= 65536) IS NOT TRUE THEN
        PERFORM private.check_required('amount', p_amount,
            'Pass the estimated cost in USD, e.g. check_and_reserve_budget(0.25, ''architect'').');
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
        PERFORM private.check_text('service name', p_service_name, 200,
                                   'Name the calling service, e.g. ''architect'' or ''orchestrator''.');
        PERFORM private.check_required('metadata', p_metadata,
            'Pass ''{}''::jsonb, or an object such as {"model": "gpt-4o", "idempotency_key": "wo-1-step-3"}.');
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
        v_model := private.strip_blank(p_metadata ->> 'model');
        IF jsonb_typeof(p_metadata -> 'model') <> 'string' OR v_model = '' OR length(p_metadata ->> 'model') > 200 THEN
            RAISE EXCEPTION 'metadata.model must be a string of 1 to 200 characters'
                USING ERRCODE = '22023', HINT = 'Name the model you intend to call, e.g. "gpt-4o"; see table model_policies.';
        END IF;
    END IF;
    IF p_metadata ? 'project' THEN
        IF jsonb_typeof(p_metadata -> 'project') <> 'string' OR private.is_blank(p_metadata ->> 'project')
           OR length(p_metadata ->> 'project') > 200 THEN
            RAISE EXCEPTION 'metadata.project must be a string of 1 to 200 characters'
                USING ERRCODE = '22023', HINT = 'Name the project the call is for, e.g. "checkout"; project budgets apply by this name.';
        END IF;
        v_project := private.strip_blank(p_metadata ->> 'project');
    END IF;
    IF p_metadata ? 'work_order_id' THEN
        v_work_order := private.strip_blank(p_metadata ->> 'work_order_id');
        IF jsonb_typeof(p_metadata -> 'work_order_id') <> 'string'
           OR v_work_order !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'metadata.work_order_id is not a uuid: %', left(p_metadata ->> 'work_order_id', 100)
                USING ERRCODE = '22023', HINT = 'Pass the work order''s id as a string, or leave work_order_id out.';
        END IF;
        v_work_order := lower(v_work_order);
    END IF;
    IF p_metadata ? 'input_tokens' OR p_metadata ? 'max_output_tokens' THEN
        -- Token counts draw on the tokens-per-minute limits: both, or neither.
        IF jsonb_typeof(p_metadata -> 'input_tokens') IS DISTINCT FROM 'number'
           OR jsonb_typeof(p_metadata -> 'max_output_tokens') IS DISTINCT FROM 'number'
           OR (p_metadata ->> 'input_tokens') !~ '^[0-9]{1,9}$' OR (p_metadata ->> 'max_output_tokens') !~ '^[0-9]{1,9}$' THEN
            RAISE EXCEPTION 'metadata.input_tokens and metadata.max_output_tokens must both be whole numbers of tokens'
                USING ERRCODE = '22023', HINT = 'Pass both, e.g. {"input_tokens": 1200, "max_output_tokens": 800}, or neither (then only request limits apply).';
        END IF;
        v_tokens := (p_metadata ->> 'input_tokens')::bigint + (p_metadata ->> 'max_output_tokens')::bigint;
    END IF;

    -- The settings row read in place (private.budget_settings() reads the same row; calling it
    -- costs a function frame per reservation), falling back to it when the row is incomplete,
    -- which also names a missing key.
    SELECT (now() AT TIME ZONE c.budget_timezone)::date, c.daily_limit, c.max_single_reservation, c.reservation_ttl,
           c.warning_pct, c.hard_cap_pct, c.critical_pct, c.kill_pct, c.hard_cap_model, c.force_hard_cap,
           c.global_stripes, c.scoped
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
    -- The lookup after every value check (docs/CONVENTIONS.md, "Errors").
    -- (Nested IFs here and below: a condition with a subquery runs as a query even when its
    -- first part is false, and this is the hot path.)
    IF v_work_order IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = v_work_order::uuid) THEN
            RAISE EXCEPTION 'work order % does not exist', v_work_order
                USING ERRCODE = 'P0002', HINT = 'Check metadata.work_order_id against work_orders; its budgets apply by this id.';
        END IF;
    END IF;
    v_day := v_s.budget_day;

    -- The spend tier, from the global day's committed spend (one read of its K stripes, no
    -- lock): it lags the exact total by the settles in flight (docs/BUDGET.md, "The tier lag").
    SELECT coalesce(sum(g.spent), 0), coalesce(sum(g.reserved), 0), coalesce(bool_or(g.killed), false)
    INTO v_spent, v_reserved, v_killed
    FROM public.budget_stripes AS g
    WHERE g.scope_rank = 1 AND g.key = '*' AND g.period = 'day' AND g.period_start = v_day;
    v_tier := private.budget_tier(v_spent, v_s);
    IF v_model IS NULL AND NOT v_s.force_hard_cap AND v_tier IN ('normal', 'warning') THEN
        v_decision := 'any';  -- the common case, decided without a call
    ELSE
        SELECT m.model, m.decision INTO v_grant, v_decision
        FROM private.budget_model_for(v_model, private.budget_model_tier(v_tier, v_s), v_s.hard_cap_model) AS m;
    END IF;
    v_reason := CASE WHEN v_killed THEN 'kill_switch'
                     WHEN v_s.daily_limit <= 0 THEN 'limit_zero'
                     WHEN v_tier = 'emergency_kill' THEN 'emergency_tier'
                     WHEN v_decision = 'refused' THEN 'model_not_allowed' END;
    IF v_reason = 'emergency_tier' THEN
        -- A kill due but not fired (concurrent settles crossed together): fire it now, holding
        -- no stripe yet, so the kill's lock order holds.
        PERFORM private.budget_fire_due_kill(v_day);
        IF EXISTS (SELECT 1 FROM public.budget_kill_switch AS ks WHERE ks.id AND ks.active) THEN
            v_reason := 'kill_switch';  -- fired now, or by the settle that crossed it meanwhile
        END IF;
    END IF;

    v_r.expires_at := now() + v_s.reservation_ttl;
    IF v_key IS NOT NULL THEN
        -- Record first, so a concurrent call with the same key waits here and gets this one.
        IF v_reason IS NULL THEN
            INSERT INTO public.budget_reservations (budget_day, amount, service_name, idempotency_key, tier,
                                                    requested_model, model, model_decision, metadata, expires_at)
            VALUES (v_day, p_amount, v_service, v_key, v_tier, v_model, v_grant, v_decision, p_metadata, v_r.expires_at)
            ON CONFLICT (budget_day, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING * INTO v_r;
        END IF;
        IF v_r.id IS NULL THEN
            SELECT * INTO v_existing FROM public.budget_reservations AS r
            WHERE r.budget_day = v_day AND r.idempotency_key = v_key AND r.idempotency_key IS NOT NULL;
        END IF;
        IF v_r.id IS NULL AND v_existing.id IS NOT NULL THEN
            -- A retry, or a concurrent call with the same key that committed first: the same
            -- reservation, and nothing reserved by this call.
            PERFORM private.budget_check_replay(v_existing, p_amount, v_service);
            v_reason := CASE WHEN v_existing.status = 'open' AND v_existing.expires_at <= now() THEN 'reservation_expired'
                             WHEN v_existing.status IN ('open', 'settled') THEN NULL
                             ELSE 'reservation_' || v_existing.status END;
            IF v_existing.status = 'open' AND v_existing.expires_at <= now() THEN
                v_existing.status := 'expired';
            END IF;
            RETURN private.budget_answer(v_reason, NULL, v_existing, v_spent, v_reserved, v_s.daily_limit,
                                         v_existing.tier, v_existing.model, v_existing.model_decision,
                                         v_existing.requested_model, v_existing.budget_day, true, NULL);
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        -- The global day budget first (it leads the lock order).
        SELECT * INTO v_d FROM private.budget_debit(1::smallint, 'global', '*', 'day', v_day, p_amount,
                                                    v_s.global_stripes);
        IF v_d.o_stripe = -1 THEN
            IF EXISTS (SELECT 1 FROM public.budget_reservations AS r
                       WHERE r.status = 'open' AND r.expires_at <= now() AND r.budget_day = v_day) THEN
                -- Short, but partly with reservations past their expiry the sweep has not
                -- freed yet: free them now (the global day stripes come first in the lock
                -- order, and this call holds no other) and try once more, so expiry takes
                -- effect where it matters.
                PERFORM private.budget_expire(v_day);
                SELECT * INTO v_d FROM private.budget_debit(1::smallint, 'global', '*', 'day', v_day, p_amount,
                                                            v_s.global_stripes);
            END IF;
        END IF;
        v_stripe := v_d.o_stripe;
        IF v_stripe < 0 THEN
            v_reason := CASE WHEN v_stripe = -2 THEN 'kill_switch' ELSE 'limit_exceeded' END;
            v_spent := v_d.o_spent;
            v_reserved := v_d.o_reserved;
        END IF;
        v_debits := jsonb_build_array(jsonb_build_array(1, '*', 'day', v_day, v_stripe));
    END IF;

    IF v_reason IS NULL AND NOT v_s.scoped THEN
        -- Read again now that this call holds its global day stripe: set_budget creating the
        -- first scoped budget waits for that stripe, so either this call commits first or it
        -- sees the budget here (the budgets that apply are read below, also after the debit).
        SELECT c.scoped INTO v_s.scoped FROM private.budget_config AS c;
    END IF;
    IF v_reason IS NULL AND v_s.scoped IS DISTINCT FROM false THEN
        -- Every other budget that applies, in lock order; the first that is short refuses the
        -- whole call and what was debited before it is given back.
        FOR v_b IN SELECT * FROM private.budget_applicable(v_service, v_project, v_work_order, v_day) LOOP
            SELECT * INTO v_d FROM private.budget_debit(v_b.scope_rank, v_b.scope, v_b.key, v_b.period, v_b.period_start,
                                                        p_amount, v_b.stripes);
            CONTINUE WHEN v_d.o_stripe = -3;  -- removed since it was read: no longer checked
            IF v_d.o_stripe < 0 THEN
                v_reason := 'limit_exceeded';
                -- The budget in force (it may have changed while the call waited; its stripes
                -- hold its limit), for the answer.
                SELECT b.key, b.budget_limit INTO v_b.budget_key, v_b.budget_limit FROM public.budgets AS b
                WHERE b.scope = v_b.scope AND b.period = v_b.period AND b.key IN (v_b.key, '*')
                ORDER BY b.key = '*'
                LIMIT 1;
                v_scope := jsonb_build_object('scope', v_b.scope, 'key', v_b.key, 'budgetKey', v_b.budget_key,
                                              'period', v_b.period,
                                              'periodStart', CASE WHEN v_b.period <> 'total' THEN v_b.period_start END,
                                              'limit', v_b.budget_limit, 'spent', v_d.o_spent, 'reserved', v_d.o_reserved,
                                              'remaining', greatest(v_d.o_allowance - v_d.o_spent - v_d.o_reserved, 0));
                PERFORM private.budget_apply(v_debits, 0, p_amount);  -- give back (locks held)
                EXIT;
            END IF;
            v_debits := v_debits || jsonb_build_array(jsonb_build_array(v_b.scope_rank, v_b.key, v_b.period,
                                                                        v_b.period_start, v_d.o_stripe));
        END LOOP;
    END IF;

    IF v_reason IS NULL THEN
        -- Rate limits last (after every budget in the lock order, so a bucket row, which all
        -- calls of its scope share, is held from its draw to the commit and no longer): all or
        -- nothing with the budgets, which a refusal gives back.
        v_rate := private.rate_limit_take(v_service, v_model, v_project, v_tokens);
        IF v_rate ? 'refused' THEN
            v_reason := 'rate_limited';
            PERFORM private.budget_apply(v_debits, 0, p_amount);
        END IF;
    END IF;

    IF v_reason IS NOT NULL THEN
        IF v_r.id IS NOT NULL THEN
            DELETE FROM public.budget_reservations AS r WHERE r.id = v_r.id;  -- a refusal writes nothing
        END IF;
        IF v_reason = 'limit_exceeded' AND v_scope IS NULL THEN
            v_scope := jsonb_build_object('scope', 'global', 'key', '*', 'budgetKey', '*', 'period', 'day',
                                          'periodStart', v_day, 'limit', v_s.daily_limit, 'spent', v_spent,
                                          'reserved', v_reserved,
                                          'remaining', greatest(v_s.daily_limit - v_spent - v_reserved, 0));
        END IF;
        IF v_reason = 'limit_exceeded' AND v_scope ->> 'scope' IN ('service', 'work_order') THEN
            -- A service or work-order cap: its escalation, once per scope and period (the
            -- stripes are held; escalations come after them in the lock order).
            PERFORM private.budget_cap_escalate(v_scope, v_work_order);
        END IF;
        IF v_reason = 'rate_limited' THEN
            v_rate := v_rate -> 'refused';
            RETURN private.budget_answer(
                v_reason,
                format('The %s rate limit of %s %s allows %s %s per minute; %s', v_rate ->> 'kind', v_rate ->> 'scope',
                       v_rate ->> 'key', v_rate ->> 'perMinute', v_rate ->> 'kind',
                       CASE WHEN v_rate ->> 'retryAfterMs' IS NULL THEN 'this call needs more than that and can never pass.'
                            ELSE format('retry in %s ms.', v_rate ->> 'retryAfterMs') END),
                NULL, v_spent, v_reserved, v_s.daily_limit, v_tier, NULL, NULL, v_model, v_day, false, NULL)
                || jsonb_build_object('retryAfterMs', v_rate -> 'retryAfterMs',
                                      'limit', v_rate - 'retryAfterMs' - 'cost');
        END IF;
        RETURN private.budget_answer(
            v_reason,
            CASE v_reason
                WHEN 'kill_switch' THEN 'The emergency kill switch is on: no LLM call may start. See budget_status().'
                WHEN 'limit_zero' THEN 'The daily budget limit is 0: every reservation is refused until it is raised.'
                WHEN 'limit_exceeded' THEN
                    CASE WHEN v_scope ->> 'scope' = 'global' AND v_scope ->> 'period' = 'day'
                         THEN format('Reserving %s would pass the daily limit of %s.', p_amount, v_s.daily_limit)
                         ELSE format('Reserving %s would pass the %s budget of %s for %s %s.', p_amount,
                                     v_scope ->> 'period', v_scope ->> 'limit', v_scope ->> 'scope', v_scope ->> 'key') END
                WHEN 'emergency_tier' THEN 'Spend has reached the emergency kill share of the limit.'
                ELSE format('Model %s is not allowed in the %s tier; use %s.', v_model, v_tier, v_s.hard_cap_model) END,
            NULL, v_spent, v_reserved, v_s.daily_limit, v_tier,
            CASE WHEN v_reason = 'model_not_allowed' THEN v_s.hard_cap_model END, NULL, v_model, v_day, false, v_scope);
    END IF;

    IF v_r.id IS NULL THEN
        INSERT INTO public.budget_reservations (budget_day, amount, service_name, tier, requested_model, model,
                                                model_decision, metadata, expires_at, debits, rate_holds)
        VALUES (v_day, p_amount, v_service, v_tier, v_model, v_grant, v_decision, p_metadata, v_r.expires_at, v_debits,
                v_rate -> 'holds')
        RETURNING * INTO v_r;
    ELSE
        UPDATE public.budget_reservations AS r SET debits = v_debits, rate_holds = v_rate -> 'holds' WHERE r.id = v_r.id;
    END IF;
    RETURN private.budget_answer(NULL, NULL, v_r, v_spent, v_reserved + p_amount, v_s.daily_limit, v_tier, v_grant,
                                 v_decision, v_model, v_day, false, NULL);
END
$$;

REVOKE ALL ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.check_and_reserve_budget(numeric, text, jsonb) IS 'Reserve an estimated LLM cost against every budget that applies (global day, service, metadata.project, metadata.work_order_id; all or nothing). Returns {canProceed, currentTotal, reservationId, amount, status, tier, model, modelDecision, requestedModel, limit, reserved, remaining, expiresAt, budgetDay}; refused: canProceed false with reason kill_switch | limit_zero | limit_exceeded (with scope {scope, key, period, limit, spent, reserved, remaining}) | emergency_tier | model_not_allowed | rate_limited (with retryAfterMs and limit {scope, key, kind, perMinute, available}: every rate limit of the call''s global scope, service, metadata.model and metadata.project draws 1 request, and metadata.input_tokens + metadata.max_output_tokens tokens when both are given); a service or work-order cap refusal opens escalation budget_cap_reached once per scope and period. metadata.model is checked against the tier; metadata.idempotency_key makes retries return the same reservation; a work_order_id that is not an existing work order is 22023/P0002. Settle with settle_reservation, or release_reservation.';
