-- Keeps the running figures per work order equal to what summing its outcome vectors gives when
-- rows leave: a delete (retention, a DBA's clean-up) appends one delta row per work order of the
-- statement (private.work_order_outcome_deltas) instead of updating the totals row, so it never
-- waits on a writer that holds that row (a writer that inserted for the work order and then
-- touches an expired row cannot deadlock with a purge). A deleted work order's own cascade
-- appends nothing: its totals row goes with it. TRUNCATE empties the figures.
-- refinement_attempts is not touched: it counts failures since the last retry decision.
CREATE OR REPLACE FUNCTION private.outcome_vectors_totals_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM private.work_order_outcome_totals;
        DELETE FROM private.work_order_outcome_deltas;
        RETURN NULL;
    END IF;
    INSERT INTO private.work_order_outcome_deltas (work_order_id, outcomes, failures, cost)
    SELECT o.work_order_id, -count(*), -count(*) FILTER (WHERE NOT o.success), -sum(o.cost)
    FROM old_rows AS o
    WHERE EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = o.work_order_id)
    GROUP BY o.work_order_id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outcome_vectors_totals_deleted
    AFTER DELETE ON public.outcome_vectors
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.outcome_vectors_totals_deleted();

CREATE OR REPLACE TRIGGER outcome_vectors_totals_truncated
    AFTER TRUNCATE ON public.outcome_vectors
    FOR EACH STATEMENT EXECUTE FUNCTION private.outcome_vectors_totals_deleted();

REVOKE ALL ON FUNCTION private.outcome_vectors_totals_deleted() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_totals_deleted() IS 'Statement trigger function: deleted outcome vectors leave their work orders'' running figures as one delta row per work order (no lock on the totals row); TRUNCATE empties the figures.';
COMMENT ON TRIGGER outcome_vectors_totals_deleted ON public.outcome_vectors IS 'Deleted outcome vectors leave the running figures of their work orders (one delta row per work order).';
COMMENT ON TRIGGER outcome_vectors_totals_truncated ON public.outcome_vectors IS 'TRUNCATE outcome_vectors empties the running figures.';
