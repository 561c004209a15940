-- Keeps the running figures per work order (private.work_order_outcome_totals) equal to what
-- summing its outcome vectors gives when rows leave: a delete (retention, a DBA's clean-up, a
-- deleted work order's cascade) takes them off, TRUNCATE empties them. One statement per
-- DELETE, grouped by work order and locked in work_order_id order: a retention batch of
-- thousands of rows is one UPDATE per work order. refinement_attempts is not touched: it
-- counts failures since the last retry decision, not rows kept.
CREATE OR REPLACE FUNCTION private.outcome_vectors_totals_deleted()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM private.work_order_outcome_totals;
        RETURN NULL;
    END IF;
    WITH gone AS (
        SELECT o.work_order_id, count(*) AS n, count(*) FILTER (WHERE NOT o.success) AS f, sum(o.cost) AS c
        FROM old_rows AS o GROUP BY o.work_order_id
    ), locked AS (
        SELECT t.work_order_id FROM private.work_order_outcome_totals AS t
        WHERE t.work_order_id IN (SELECT g.work_order_id FROM gone AS g)
        ORDER BY t.work_order_id
        FOR UPDATE
    )
    UPDATE private.work_order_outcome_totals AS t
    SET outcomes = t.outcomes - g.n, failures = t.failures - g.f, cost = t.cost - g.c
    FROM gone AS g
    WHERE t.work_order_id = g.work_order_id AND t.work_order_id IN (SELECT l.work_order_id FROM locked AS l);
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION private.outcome_vectors_totals_deleted() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_totals_deleted() IS
    'Statement trigger function: deleted outcome vectors leave their work orders'' running figures (work_order_outcome_totals); TRUNCATE empties them.';

CREATE OR REPLACE TRIGGER outcome_vectors_totals_deleted
    AFTER DELETE ON public.outcome_vectors
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION private.outcome_vectors_totals_deleted();

CREATE OR REPLACE TRIGGER outcome_vectors_totals_truncated
    AFTER TRUNCATE ON public.outcome_vectors
    FOR EACH STATEMENT
    EXECUTE FUNCTION private.outcome_vectors_totals_deleted();

COMMENT ON TRIGGER outcome_vectors_totals_deleted ON public.outcome_vectors IS
    'Deleted outcome vectors leave the running figures of their work orders (work_order_outcome_totals).';
COMMENT ON TRIGGER outcome_vectors_totals_truncated ON public.outcome_vectors IS
    'TRUNCATE outcome_vectors empties the running figures.';
