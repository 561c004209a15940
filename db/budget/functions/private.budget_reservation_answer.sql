-- The answer check_and_reserve_budget gives for an existing reservation (an idempotent retry
-- with the same idempotency_key): the same reservation, its model and expiry, today's totals.
CREATE OR REPLACE FUNCTION private.budget_reservation_answer(
    p_reservation public.budget_reservations,
    p_settings private.budget_settings_t
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ledger public.budget_ledger%ROWTYPE;
    v_proceed boolean := p_reservation.status IN ('open', 'settled')
                         AND (p_reservation.status <> 'open' OR p_reservation.expires_at > now());
BEGIN
    SELECT * INTO v_ledger FROM public.budget_ledger AS l WHERE l.budget_day = p_reservation.budget_day;
    RETURN jsonb_build_object(
        'canProceed', v_proceed,
        'currentTotal', coalesce(v_ledger.spent, 0),
        'reservationId', p_reservation.id,
        'amount', p_reservation.amount,
        'status', CASE WHEN p_reservation.status = 'open' AND p_reservation.expires_at <= now()
                       THEN 'expired' ELSE p_reservation.status END,
        'tier', p_reservation.tier,
        'model', p_reservation.model,
        'modelDecision', p_reservation.model_decision,
        'requestedModel', p_reservation.requested_model,
        'limit', p_settings.daily_limit,
        'reserved', coalesce(v_ledger.reserved, 0),
        'remaining', greatest(p_settings.daily_limit - coalesce(v_ledger.spent + v_ledger.reserved + v_ledger.carried_in, 0), 0),
        'expiresAt', p_reservation.expires_at,
        'budgetDay', p_reservation.budget_day,
        'idempotentReplay', true
    ) || CASE WHEN v_proceed THEN '{}'::jsonb
              ELSE jsonb_build_object('reason', 'reservation_' || CASE WHEN p_reservation.status = 'open'
                                                                    THEN 'expired' ELSE p_reservation.status END)
         END;
END
$$;

REVOKE ALL ON FUNCTION private.budget_reservation_answer(public.budget_reservations, private.budget_settings_t) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_reservation_answer(public.budget_reservations, private.budget_settings_t) IS
    'check_and_reserve_budget''s answer for an existing reservation (idempotent retry): canProceed while open or settled, reason reservation_<status> otherwise.';
