-- Keeps the running figures per work order equal to what summing its outcome vectors gives when
-- rows are corrected: a changed cost, success or work_order_id appends the difference, netted
-- per work order, as delta rows (private.work_order_outcome_deltas; no lock on a totals row, so
-- a correction never waits on a writer). An UPDATE that changes none of them (metadata, a late
-- fix-up) appends nothing. refinement_attempts is not touched: a corrected success does not
-- re-open or undo a retry_exhausted decision.
CREATE OR REPLACE FUNCTION private.outcome_vectors_totals_corrected() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO private.work_order_outcome_deltas (work_order_id, outcomes, failures, cost)
    SELECT d.work_order_id, sum(d.n), sum(d.f), sum(d.c)
    FROM (SELECT o.work_order_id, -1 AS n, CASE WHEN o.success THEN 0 ELSE -1 END AS f, -o.cost AS c
          FROM old_rows AS o JOIN new_rows AS x ON x.id = o.id
          WHERE (x.work_order_id, x.success, x.cost) IS DISTINCT FROM (o.work_order_id, o.success, o.cost)
          UNION ALL
          SELECT x.work_order_id, 1, CASE WHEN x.success THEN 0 ELSE 1 END, x.cost
          FROM new_rows AS x JOIN old_rows AS o ON o.id = x.id
          WHERE (x.work_order_id, x.success, x.cost) IS DISTINCT FROM (o.work_order_id, o.success, o.cost)) AS d
    GROUP BY d.work_order_id
    HAVING sum(d.n) <> 0 OR sum(d.f) <> 0 OR sum(d.c) <> 0;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outcome_vectors_totals_corrected
    AFTER UPDATE ON public.outcome_vectors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.outcome_vectors_totals_corrected();

REVOKE ALL ON FUNCTION private.outcome_vectors_totals_corrected() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_totals_corrected() IS 'Statement trigger function: a corrected cost, success or work_order_id of outcome vectors appends the difference to the running figures (work_order_outcome_deltas); other updates append nothing.';
COMMENT ON TRIGGER outcome_vectors_totals_corrected ON public.outcome_vectors IS 'A corrected cost, success or work_order_id moves the difference in the running figures (as delta rows).';
