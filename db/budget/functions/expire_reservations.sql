-- The scheduler's sweep: open reservations past their expiry (reservation_ttl) are marked
-- expired and their amounts freed from their day's ledger row. Returns how many it expired.
CREATE OR REPLACE FUNCTION public.expire_reservations()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_days date[];
    v_count integer;
BEGIN
    v_days := ARRAY(SELECT DISTINCT r.budget_day FROM public.budget_reservations AS r
                    WHERE r.status = 'open' AND r.expires_at <= now());
    IF cardinality(v_days) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM private.budget_lock_days(v_days);

    WITH expired AS (
        UPDATE public.budget_reservations AS r
        SET status = 'expired', closed_at = now()
        WHERE r.status = 'open' AND r.expires_at <= now() AND r.budget_day = ANY (v_days)
        RETURNING r.budget_day, r.amount
    ), freed AS (
        UPDATE public.budget_ledger AS l
        SET reserved = l.reserved - f.amount
        FROM (SELECT e.budget_day, sum(e.amount) AS amount FROM expired AS e GROUP BY e.budget_day) AS f
        WHERE l.budget_day = f.budget_day
        RETURNING l.budget_day
    )
    SELECT count(*) INTO v_count FROM expired;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION public.expire_reservations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.expire_reservations() TO service_role, moose_runner;

COMMENT ON FUNCTION public.expire_reservations() IS
    'Expire open reservations past expires_at (reservation_ttl) and free their amounts; returns how many. Run by the scheduler every minute or so.';
