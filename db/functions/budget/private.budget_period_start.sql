-- The first budget day of the period a day belongs to: the day itself, the first of its
-- calendar month (both in budget_timezone, as the day is), or -infinity for a total budget.
-- Plain SQL without SET, so it is inlined into its callers (pinned search_path).
CREATE OR REPLACE FUNCTION private.budget_period_start(p_period text, p_day date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_period WHEN 'day' THEN p_day
                         WHEN 'month' THEN date_trunc('month', p_day::timestamp)::date
                         ELSE '-infinity'::date END
$$;

REVOKE ALL ON FUNCTION private.budget_period_start(text, date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_period_start(text, date) IS 'First budget day of the period (day, month, total = -infinity) that a budget day belongs to.';
