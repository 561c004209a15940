-- The budget day a cost row is booked on, as the ledger books it: the day of the global day
-- stripe in its budget_debits (a settle books on its reservation's day, even when it settles
-- after midnight), else, for rows older than the stripes, the day of created_at in
-- budget_timezone. The retention roll-up (cost_daily_totals) files each cost under this day,
-- so the archive and the ledger agree.
CREATE OR REPLACE FUNCTION private.budget_cost_day(p_debits jsonb, p_created_at timestamptz) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT (d.ref ->> 3)::date FROM jsonb_array_elements(p_debits) AS d(ref)
                     WHERE d.ref ->> 0 = '1' AND d.ref ->> 2 = 'day' LIMIT 1),
                    private.budget_day(p_created_at));
$$;

REVOKE ALL ON FUNCTION private.budget_cost_day(jsonb, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_cost_day(jsonb, timestamptz) IS 'Budget day a cost row is booked on: its global day stripe''s day (budget_debits), else the day of created_at in budget_timezone.';
