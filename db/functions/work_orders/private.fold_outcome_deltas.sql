-- Folds pending deltas (from deleted or corrected outcome vectors) into the totals rows, for at
-- most p_limit work orders, skipping any whose totals row a writer holds right now: the caller
-- (run_retention, after its purge) never waits on a writer. Deltas of work orders that no longer
-- exist are dropped. Returns how many work orders were folded.
CREATE OR REPLACE FUNCTION private.fold_outcome_deltas(p_limit integer) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_held uuid[];
    v_folded integer;
BEGIN
    DELETE FROM private.work_order_outcome_deltas AS d
    WHERE d.id = ANY (ARRAY(SELECT d2.id FROM private.work_order_outcome_deltas AS d2
                            WHERE NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = d2.work_order_id)
                            LIMIT p_limit));
    v_held := ARRAY(
        SELECT t.work_order_id FROM private.work_order_outcome_totals AS t
        WHERE t.work_order_id IN (SELECT DISTINCT d.work_order_id FROM private.work_order_outcome_deltas AS d LIMIT p_limit)
        ORDER BY t.work_order_id
        FOR UPDATE SKIP LOCKED);
    v_folded := private.fold_held_outcome_deltas(v_held);
    RETURN v_folded;
END
$$;

REVOKE ALL ON FUNCTION private.fold_outcome_deltas(integer) FROM PUBLIC;

COMMENT ON FUNCTION private.fold_outcome_deltas(integer) IS 'Fold pending outcome deltas into work_order_outcome_totals for up to p_limit work orders, skipping totals rows a writer holds (never waits); drops deltas of deleted work orders. Returns work orders folded.';
