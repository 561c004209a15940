-- The current budget day and its bounds, for the triage views: "today" is the budget day in the
-- configured time zone (budget_timezone), not the server's CURRENT_DATE as in the runbook.
CREATE OR REPLACE FUNCTION public.budget_window()
RETURNS TABLE (budget_day date, starts_at timestamptz, ends_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT d.day, private.budget_day_start(d.day), private.budget_day_start(d.day + 1)
    FROM (SELECT private.budget_day(now()) AS day) AS d;
$$;

REVOKE ALL ON FUNCTION public.budget_window() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.budget_window() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.budget_window() IS 'The current budget day and the instants it starts and ends (budget_timezone): use instead of CURRENT_DATE.';
