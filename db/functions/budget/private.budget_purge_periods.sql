-- Retention for budget stripes (run_retention's budget_stripes policy): deletes the stripes of
-- up to p_batch closed periods (day and month budgets; total budgets never close) that ended
-- at or before p_cutoff (the cost rows' retention cutoff), have nothing reserved and nothing
-- booked left (spent = archived: every cost row booked on them was purged). A period goes
-- whole or not at all: its stripes are locked without waiting (SKIP LOCKED) and it is deleted
-- only when every one of them was locked and still qualifies, so no view ever sees a period
-- with some of its stripes, and the purge never waits on a writer. The spend stays in
-- cost_daily_totals. Returns how many stripe rows it deleted.
CREATE OR REPLACE FUNCTION private.budget_purge_periods(p_cutoff timestamptz, p_batch integer) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_count bigint;
BEGIN
    WITH candidates AS (
        SELECT s.scope_rank, s.key, s.period, s.period_start, count(*) AS stripes
        FROM public.budget_stripes AS s
        WHERE s.period IN ('day', 'month') AND s.period_start < private.budget_day(p_cutoff)
        GROUP BY s.scope_rank, s.key, s.period, s.period_start
        HAVING bool_and(s.reserved = 0 AND s.spent = s.archived)
           AND private.budget_period_end(s.period, s.period_start) <= p_cutoff
        ORDER BY s.period_start, s.scope_rank, s.key, s.period
        LIMIT p_batch
    ), locked AS (
        SELECT s.scope_rank, s.key, s.period, s.period_start
        FROM public.budget_stripes AS s
        JOIN candidates AS c
          ON c.scope_rank = s.scope_rank AND c.key = s.key AND c.period = s.period AND c.period_start = s.period_start
        WHERE s.reserved = 0 AND s.spent = s.archived
        FOR UPDATE OF s SKIP LOCKED
    ), whole AS (
        SELECT l.scope_rank, l.key, l.period, l.period_start
        FROM locked AS l
        JOIN candidates AS c
          ON c.scope_rank = l.scope_rank AND c.key = l.key AND c.period = l.period AND c.period_start = l.period_start
        GROUP BY l.scope_rank, l.key, l.period, l.period_start, c.stripes
        HAVING count(*) = c.stripes
    )
    DELETE FROM public.budget_stripes AS s
    USING whole AS w
    WHERE s.scope_rank = w.scope_rank AND s.key = w.key AND s.period = w.period AND s.period_start = w.period_start;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION private.budget_purge_periods(timestamptz, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_purge_periods(timestamptz, integer) IS 'Retention: delete the stripes of up to p_batch closed day/month periods that ended by p_cutoff with nothing reserved or booked left (spent = archived), whole periods only, never waiting on a lock. Returns the stripe rows deleted.';
