-- Keeps the running figures per work order (private.work_order_outcome_totals) equal to what
-- summing its outcome vectors gives when rows are corrected: a changed cost, success or
-- work_order_id moves the difference (netted per work order, locked in work_order_id order).
-- An UPDATE that changes none of them (metadata, a late fix-up) touches no figure and takes no
-- lock. refinement_attempts is not touched: a corrected success does not re-open or undo a
-- retry_exhausted decision.
CREATE OR REPLACE FUNCTION private.outcome_vectors_totals_corrected()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- A row moved to a work order with no outcome vectors yet: its figures start at zero.
    INSERT INTO private.work_order_outcome_totals (work_order_id)
    SELECT DISTINCT x.work_order_id
    FROM new_rows AS x JOIN old_rows AS o ON o.id = x.id
    WHERE x.work_order_id <> o.work_order_id
    ORDER BY x.work_order_id
    ON CONFLICT (work_order_id) DO NOTHING;

    WITH changed AS (
        SELECT o.work_order_id AS old_wo, o.success AS old_success, o.cost AS old_cost,
               x.work_order_id AS new_wo, x.success AS new_success, x.cost AS new_cost
        FROM old_rows AS o JOIN new_rows AS x ON x.id = o.id
        WHERE (x.work_order_id, x.success, x.cost) IS DISTINCT FROM (o.work_order_id, o.success, o.cost)
    ), moved AS (
        SELECT d.work_order_id, sum(d.n) AS n, sum(d.f) AS f, sum(d.c) AS c
        FROM (SELECT ch.old_wo AS work_order_id, -1 AS n, CASE WHEN ch.old_success THEN 0 ELSE -1 END AS f,
                     -ch.old_cost AS c
              FROM changed AS ch
              UNION ALL
              SELECT ch.new_wo, 1, CASE WHEN ch.new_success THEN 0 ELSE 1 END, ch.new_cost
              FROM changed AS ch) AS d
        GROUP BY d.work_order_id
        HAVING sum(d.n) <> 0 OR sum(d.f) <> 0 OR sum(d.c) <> 0
    ), locked AS (
        SELECT t.work_order_id FROM private.work_order_outcome_totals AS t
        WHERE t.work_order_id IN (SELECT m.work_order_id FROM moved AS m)
        ORDER BY t.work_order_id
        FOR UPDATE
    )
    UPDATE private.work_order_outcome_totals AS t
    SET outcomes = t.outcomes + m.n, failures = t.failures + m.f, cost = t.cost + m.c
    FROM moved AS m
    WHERE t.work_order_id = m.work_order_id AND t.work_order_id IN (SELECT l.work_order_id FROM locked AS l);
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION private.outcome_vectors_totals_corrected() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_totals_corrected() IS
    'Statement trigger function: a corrected cost, success or work_order_id of outcome vectors moves the difference in the running figures (work_order_outcome_totals); other updates touch nothing.';

CREATE OR REPLACE TRIGGER outcome_vectors_totals_corrected
    AFTER UPDATE ON public.outcome_vectors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION private.outcome_vectors_totals_corrected();

COMMENT ON TRIGGER outcome_vectors_totals_corrected ON public.outcome_vectors IS
    'A corrected cost, success or work_order_id moves the difference in the running figures (work_order_outcome_totals).';
