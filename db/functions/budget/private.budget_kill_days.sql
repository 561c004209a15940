-- The days whose global day stripes the kill locks: every day with open reservations,
-- yesterday, today and tomorrow (so a reservation racing the kill across midnight meets a
-- killed stripe on either side).
CREATE OR REPLACE FUNCTION private.budget_kill_days() RETURNS date[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT d FROM (SELECT DISTINCT r.budget_day AS d FROM public.budget_reservations AS r WHERE r.status = 'open'
                                UNION
                                SELECT private.budget_day(now()) + i FROM generate_series(-1, 1) AS i) AS x
                 ORDER BY d);
$$;

REVOKE ALL ON FUNCTION private.budget_kill_days() FROM PUBLIC;

COMMENT ON FUNCTION private.budget_kill_days() IS 'Budget days whose global stripes the kill (and whoever may fire it) locks: days with open reservations, yesterday, today, tomorrow.';
