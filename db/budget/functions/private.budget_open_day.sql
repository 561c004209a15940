-- Creates a budget day's ledger row if it does not exist yet (the first reservation or cost
-- of the day does it: no reset job). The new row copies the kill switch. A kill in progress
-- cannot miss it: private.budget_kill creates (or waits for, then locks) the rows of today and
-- tomorrow before it flips the switch, so a row inserted concurrently is either its own or
-- committed before the kill marks it. The current day also carries in reservations still open
-- from earlier days, so calls in flight at midnight cannot overspend the new day.
CREATE OR REPLACE FUNCTION private.budget_open_day(p_day date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO public.budget_ledger (budget_day, killed, carried_in)
    SELECT p_day,
           ks.active,
           CASE WHEN p_day = private.budget_day(now()) THEN
               (SELECT coalesce(sum(r.amount), 0) FROM public.budget_reservations AS r
                WHERE r.status = 'open' AND r.budget_day < p_day AND r.expires_at > now())
           ELSE 0 END
    FROM public.budget_kill_switch AS ks
    WHERE ks.id
    ON CONFLICT (budget_day) DO NOTHING;
END
$$;

REVOKE ALL ON FUNCTION private.budget_open_day(date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_open_day(date) IS
    'Insert the ledger row of a budget day if missing (killed copied from the kill switch; carried_in = reservations still open from earlier days when it is today).';
