-- The scheduler's sweep (the expire_reservations job, every minute): open reservations past
-- their expiry (reservation_ttl) are marked expired and their amounts freed from the stripes
-- they debited; and an automatic kill that concurrent settles made due without firing it
-- fires here at the latest. Returns how many reservations it expired.
CREATE OR REPLACE FUNCTION public.expire_reservations() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.budget_fire_due_kill(private.budget_day(now()));
    RETURN private.budget_expire();
END
$$;

REVOKE ALL ON FUNCTION public.expire_reservations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.expire_reservations() TO service_role, moose_runner;

COMMENT ON FUNCTION public.expire_reservations() IS 'Expire open reservations past expires_at (reservation_ttl) and free their amounts; fires an automatic kill that is due; returns how many expired. Run by the scheduler every minute or so.';
