-- Gives a reservation's amount back when the call will not happen (or failed before costing
-- anything), on exactly the stripes it debited, and what it drew on rate limits. Idempotent: a reservation already released, expired or cancelled is returned as
-- it is; a settled one cannot be released.
CREATE OR REPLACE FUNCTION public.release_reservation(p_reservation_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_r public.budget_reservations%ROWTYPE;
BEGIN
    PERFORM private.check_required('reservation id', p_reservation_id,
        'Pass the reservationId that check_and_reserve_budget returned.');
    SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id;
    PERFORM private.check_found(FOUND, 'reservation', p_reservation_id,
        'Pass the reservationId that check_and_reserve_budget returned.');
    IF v_r.status = 'open' THEN
        PERFORM private.budget_lock(v_r.debits);  -- lock order: its stripes, then the reservation
        SELECT * INTO v_r FROM public.budget_reservations AS r WHERE r.id = p_reservation_id FOR UPDATE;
    END IF;
    IF v_r.status = 'settled' THEN
        RAISE EXCEPTION 'reservation % is already settled and cannot be released', v_r.id
            USING ERRCODE = '55000', HINT = 'Its cost is recorded in cost_tracking (reservation_id); nothing is reserved any more.';
    END IF;
    IF v_r.status <> 'open' THEN
        RETURN jsonb_build_object('reservationId', v_r.id, 'status', v_r.status, 'released', false,
                                  'amount', v_r.amount, 'closedAt', v_r.closed_at);
    END IF;

    UPDATE public.budget_reservations AS r SET status = 'released', closed_at = now() WHERE r.id = v_r.id;
    PERFORM private.budget_apply(v_r.debits, 0, v_r.amount);
    PERFORM private.rate_limit_give_back(v_r.rate_holds);  -- the request and its tokens, last in lock order
    RETURN jsonb_build_object('reservationId', v_r.id, 'status', 'released', 'released', true,
                              'amount', v_r.amount, 'closedAt', now());
END
$$;

REVOKE ALL ON FUNCTION public.release_reservation(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.release_reservation(uuid) TO service_role, moose_runner;

COMMENT ON FUNCTION public.release_reservation(uuid) IS 'Free an open reservation''s amount (the call will not run). Returns {reservationId, status, released}; idempotent for released, expired and cancelled reservations; 55000 when settled; P0002 when unknown.';
