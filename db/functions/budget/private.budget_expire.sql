-- Marks open reservations past their expiry as expired and frees their amounts on exactly the
-- stripes they debited (locked first, in lock order). p_day: only reservations made that day
-- (the gate's own sweep, which holds that day's global stripes and must not lock an earlier
-- day's after them). Returns how many it expired.
CREATE OR REPLACE FUNCTION private.budget_expire(p_day date DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids uuid[];
    v_count integer;
BEGIN
    SELECT array_agg(r.id) INTO v_ids FROM public.budget_reservations AS r
    WHERE r.status = 'open' AND r.expires_at <= now() AND (p_day IS NULL OR r.budget_day = p_day);
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM private.budget_lock((SELECT jsonb_agg(d.ref) FROM public.budget_reservations AS r
                                 CROSS JOIN LATERAL jsonb_array_elements(r.debits) AS d(ref)
                                 WHERE r.id = ANY (v_ids)));
    SELECT c.o_count INTO v_count FROM private.budget_close_reservations(v_ids, 'expired') AS c;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION private.budget_expire(date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_expire(date) IS 'Expire open reservations past expires_at and free their amounts on the stripes they debited; returns how many.';
