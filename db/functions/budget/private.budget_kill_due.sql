-- Whether adding p_cost to the committed spend of the global day may reach the kill share
-- while no kill has fired that day: then the writer (settle, cost row) takes the kill's lock
-- set first (private.budget_lock with kill days) so the automatic kill can fire in its own
-- transaction without breaking the lock order. Read without locks: a concurrent settle can
-- make it miss (both see the total below), and then the next settle, cost row, reservation
-- or the expiry sweep fires the kill (docs/BUDGET.md, "The tier lag").
CREATE OR REPLACE FUNCTION private.budget_kill_due(p_day date, p_cost numeric) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_s private.budget_settings_t := private.budget_settings();
    v_spent numeric;
BEGIN
    IF p_day <> v_s.budget_day OR v_s.daily_limit <= 0 THEN
        RETURN false;
    END IF;
    SELECT coalesce(sum(s.spent), 0) INTO v_spent FROM public.budget_stripes AS s
    WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start = p_day;
    RETURN 100 * (v_spent + p_cost) >= v_s.kill_pct * v_s.daily_limit
           AND NOT EXISTS (SELECT 1 FROM public.budget_day_marks AS m WHERE m.budget_day = p_day AND m.kill_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM public.budget_kill_switch AS ks WHERE ks.id AND ks.active);
END
$$;

REVOKE ALL ON FUNCTION private.budget_kill_due(date, numeric) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_kill_due(date, numeric) IS 'Whether booking a cost on the day may fire the automatic kill (committed spend + cost at the kill share, no kill fired yet).';
