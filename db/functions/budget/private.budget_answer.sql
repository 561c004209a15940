-- check_and_reserve_budget's answer, built here and nowhere else: admitted, refused and
-- idempotent replay alike. The totals are the global day budget's at the time of the call.
-- A refusal has reason and message (and scope when a scoped budget refused) and no amount,
-- status or modelDecision; a replay adds idempotentReplay. Plain SQL without SET and without
-- FROM, so the planner inlines it into the gate's RETURN expression instead of calling it.
CREATE OR REPLACE FUNCTION private.budget_answer(
    p_reason text, p_message text, p_reservation public.budget_reservations,
    p_spent numeric, p_reserved numeric, p_limit numeric, p_tier text, p_model text, p_decision text,
    p_requested_model text, p_day date, p_replay boolean, p_scope jsonb
) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT (jsonb_build_object(
        'canProceed', p_reason IS NULL,
        'currentTotal', p_spent,
        'reservationId', p_reservation.id,
        'amount', p_reservation.amount,
        'status', p_reservation.status,
        'tier', p_tier,
        'model', p_model,
        'modelDecision', p_decision,
        'requestedModel', p_requested_model,
        'limit', p_limit,
        'reserved', p_reserved,
        'remaining', greatest(p_limit - p_spent - p_reserved, 0),
        'expiresAt', p_reservation.expires_at,
        'budgetDay', p_day)
           - CASE WHEN p_reason IS NULL OR p_replay THEN '{}'::text[] ELSE ARRAY['amount', 'status', 'modelDecision'] END)
           || CASE WHEN p_reason IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('reason', p_reason, 'message', p_message) END
           || CASE WHEN p_replay THEN '{"idempotentReplay": true}'::jsonb ELSE '{}'::jsonb END
           || CASE WHEN p_scope IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('scope', p_scope) END
$$;

REVOKE ALL ON FUNCTION private.budget_answer(text, text, public.budget_reservations, numeric, numeric, numeric, text, text, text, text, date, boolean, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_answer(text, text, public.budget_reservations, numeric, numeric, numeric, text, text, text, text, date, boolean, jsonb) IS 'check_and_reserve_budget''s jsonb answer (admitted, refused with reason/message/scope, or idempotent replay).';
