-- Every stripe of the closed periods among p_refs (day and month budgets whose period ended
-- before today's budget day), as stripe refs. A late cost (a settle after midnight of its
-- reservation's day, a backdated cost row) locks these with its own stripes, in the one lock
-- order (private.budget_lock), before it books: the closed period's total is then read with no
-- other late cost in flight on it, so two concurrent late costs cannot each miss the overspend
-- they make together. Open periods add nothing (an empty array, no stripe read).
CREATE OR REPLACE FUNCTION private.budget_closed_refs(p_refs jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_array(s.scope_rank, s.key, s.period, s.period_start, s.stripe)), '[]'::jsonb)
    FROM (SELECT DISTINCT (r.ref ->> 0)::smallint AS scope_rank, r.ref ->> 1 AS key, r.ref ->> 2 AS period,
                          (r.ref ->> 3)::date AS period_start
          FROM jsonb_array_elements(coalesce(p_refs, '[]'::jsonb)) AS r(ref)
          WHERE r.ref ->> 2 IN ('day', 'month')) AS p
    JOIN public.budget_stripes AS s
      ON s.scope_rank = p.scope_rank AND s.key = p.key AND s.period = p.period AND s.period_start = p.period_start
    WHERE p.period_start < private.budget_period_start(p.period, private.budget_day(now()));
$$;

REVOKE ALL ON FUNCTION private.budget_closed_refs(jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_closed_refs(jsonb) IS 'All stripe refs of the closed day/month periods among the given refs (locked with them by a late cost before it books); [] when every period is open.';
