-- Locks the ledger rows of several budget days, creating missing ones, always in ascending
-- day order: every function that holds more than one day's row takes them this way, so two
-- of them cannot deadlock on each other.
CREATE OR REPLACE FUNCTION private.budget_lock_days(p_days date[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_day date;
BEGIN
    FOR v_day IN SELECT DISTINCT d FROM unnest(p_days) AS d WHERE d IS NOT NULL ORDER BY d LOOP
        PERFORM 1 FROM public.budget_ledger AS l WHERE l.budget_day = v_day FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            PERFORM private.budget_open_day(v_day);
            PERFORM 1 FROM public.budget_ledger AS l WHERE l.budget_day = v_day FOR NO KEY UPDATE;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION private.budget_lock_days(date[]) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_lock_days(date[]) IS
    'Lock (creating if missing) the ledger rows of the given budget days in ascending order: the one lock order of the budget engine.';
