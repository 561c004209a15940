-- An idempotency key names one call: a retry that sends the same key with another amount or
-- service is a caller bug, reported instead of silently answering for a different call.
CREATE OR REPLACE FUNCTION private.budget_check_replay(
    p_reservation public.budget_reservations, p_amount numeric, p_service_name text
) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_reservation.amount <> p_amount OR p_reservation.service_name <> p_service_name THEN
        RAISE EXCEPTION 'idempotency key "%" was used for reservation % with amount % and service "%"',
                left(p_reservation.idempotency_key, 100), p_reservation.id, p_reservation.amount,
                left(p_reservation.service_name, 100)
            USING ERRCODE = '22023',
                  HINT = 'A retry must repeat the same amount and service name; a different call needs a new idempotency_key.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_check_replay(public.budget_reservations, numeric, text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_check_replay(public.budget_reservations, numeric, text) IS 'Raise 22023 when an idempotency key is reused with a different amount or service name.';
