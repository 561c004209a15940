-- Locks budget stripes in the engine's one lock order (docs/BUDGET.md "Lock order"): first,
-- when p_kill_days is given, every global day stripe of those days (the kill's lock set:
-- whoever may fire or undo the kill takes it before anything else), then the given stripes by
-- (scope rank, key, period, period start, stripe). Missing global day stripes of the kill's
-- days are created first (from the limit in force, under the global day budget's row lock:
-- private.budget_open_stripes).
CREATE OR REPLACE FUNCTION private.budget_lock(p_refs jsonb, p_kill_days date[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_day date;
    v_stripes integer;
BEGIN
    IF p_kill_days IS NOT NULL THEN
        v_stripes := (private.budget_settings()).global_stripes;
        FOR v_day IN SELECT DISTINCT d FROM unnest(p_kill_days) AS d WHERE d IS NOT NULL ORDER BY d LOOP
            PERFORM private.budget_open_stripes(1::smallint, 'global', '*', 'day', v_day, v_stripes);
        END LOOP;
        PERFORM 1 FROM public.budget_stripes AS s
        WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start = ANY (p_kill_days)
        ORDER BY s.scope_rank, s.key, s.period, s.period_start, s.stripe
        FOR NO KEY UPDATE;
    END IF;
    IF p_refs IS NOT NULL AND jsonb_array_length(p_refs) > 0 THEN
        PERFORM 1 FROM public.budget_stripes AS s
        JOIN jsonb_array_elements(p_refs) AS r(ref)
          ON s.scope_rank = (r.ref ->> 0)::smallint AND s.key = r.ref ->> 1 AND s.period = r.ref ->> 2
         AND s.period_start = (r.ref ->> 3)::date AND s.stripe = (r.ref ->> 4)::smallint
        ORDER BY s.scope_rank, s.key, s.period, s.period_start, s.stripe
        FOR NO KEY UPDATE OF s;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_lock(jsonb, date[]) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_lock(jsonb, date[]) IS 'Lock stripes in the budget lock order: the kill''s global day stripes of the given days first (created if missing), then the given stripe refs by (scope rank, key, period, period start, stripe).';
