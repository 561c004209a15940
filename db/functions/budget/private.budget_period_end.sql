-- The instant a budget period ends: midnight (in budget_timezone) after its last budget day, so
-- a day is 23 or 25 hours long across a DST change there; +infinity for a total budget.
CREATE OR REPLACE FUNCTION private.budget_period_end(p_period text, p_start date) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_period WHEN 'day' THEN private.budget_day_start(p_start + 1)
                         WHEN 'month' THEN private.budget_day_start((p_start + interval '1 month')::date)
                         ELSE 'infinity'::timestamptz END;
$$;

REVOKE ALL ON FUNCTION private.budget_period_end(text, date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_period_end(text, date) IS 'End of a budget period (day, month) as an instant: midnight in budget_timezone after its last day; infinity for total.';
