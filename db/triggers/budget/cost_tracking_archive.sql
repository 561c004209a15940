-- A purge of cost rows that keeps the ledger (`SET LOCAL moose.budget_keep_ledger = on`: the
-- retention job, or a DBA's own clean-up) leaves the stripes' spent as it is and moves the
-- purged amounts into their archived, once per statement (the rows' amounts summed per
-- stripe, the stripes locked in the one lock order after the rows): spent - archived stays
-- the cost rows still booked on each stripe, so the ledger audit (budget_stripe_mismatches)
-- stays exact after a purge, and retention knows when a closed period has nothing booked left.
CREATE OR REPLACE FUNCTION private.cost_tracking_archive() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_moved jsonb;
BEGIN
    IF current_setting('moose.budget_keep_ledger', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;  -- an ordinary delete took its rows off the stripes (cost_tracking_ledger)
    END IF;
    SELECT jsonb_agg(jsonb_build_array(x.ref, x.amount)) INTO v_moved
    FROM (SELECT d.ref, sum(g.cost) AS amount
          FROM gone AS g
          CROSS JOIN LATERAL jsonb_array_elements(
              coalesce(g.budget_debits,
                       jsonb_build_array(jsonb_build_array(1, '*', 'day', private.budget_day(g.created_at), 0)))) AS d(ref)
          GROUP BY d.ref) AS x;
    IF v_moved IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM private.budget_lock((SELECT jsonb_agg(m.value -> 0) FROM jsonb_array_elements(v_moved) AS m));
    UPDATE public.budget_stripes AS s
    SET archived = s.archived + (m.value ->> 1)::numeric
    FROM jsonb_array_elements(v_moved) AS m
    WHERE s.scope_rank = (m.value -> 0 ->> 0)::smallint AND s.key = m.value -> 0 ->> 1 AND s.period = m.value -> 0 ->> 2
      AND s.period_start = (m.value -> 0 ->> 3)::date AND s.stripe = (m.value -> 0 ->> 4)::smallint;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER cost_tracking_archive
    AFTER DELETE ON public.cost_tracking REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION private.cost_tracking_archive();

REVOKE ALL ON FUNCTION private.cost_tracking_archive() FROM PUBLIC;
COMMENT ON FUNCTION private.cost_tracking_archive() IS 'Trigger function: when cost rows are deleted with moose.budget_keep_ledger = on, adds their amounts to the archived of the stripes they were booked on (per statement, stripes locked in order).';
COMMENT ON TRIGGER cost_tracking_archive ON public.cost_tracking IS 'Keeps spent - archived equal to the cost rows still booked on each stripe when rows are purged keeping the ledger.';
