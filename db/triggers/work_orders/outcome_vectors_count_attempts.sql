-- Counts refinement attempts where they are recorded: every failed outcome vector, whoever
-- inserts it (record_outcome, the orchestrator writing the table directly), adds one to the work
-- order's refinement_attempts. More than max_refinement_attempts opens (or finds the open)
-- retry_exhausted escalation and holds the work order as blocked for the decision.
-- One statement trigger per INSERT: the statement's rows are grouped by work order, the running
-- figures (private.work_order_outcome_totals: outcomes, failures, cost) and refinement_attempts
-- move by the group's sums, so the cost of a write does not depend on the history behind it,
-- and a bulk INSERT ... SELECT costs one UPDATE per work order, not one per row. Holding the
-- totals row, it folds in the deltas deletes and corrections appended for the work order, so
-- the escalation context's cost_spent is the running cost: exactly SUM(cost) of its rows.
-- Locks are taken in work_order_id order (totals, then work orders) so concurrent multi-row
-- writers cannot deadlock each other.
CREATE OR REPLACE FUNCTION private.outcome_vectors_count_attempts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_max integer;
    v_row record;
    v_escalation uuid;
BEGIN
    INSERT INTO private.work_order_outcome_totals AS t (work_order_id, outcomes, failures, cost)
    SELECT n.work_order_id, count(*), count(*) FILTER (WHERE NOT n.success), sum(n.cost)
    FROM new_rows AS n
    GROUP BY n.work_order_id
    ORDER BY n.work_order_id
    ON CONFLICT (work_order_id) DO UPDATE
    SET outcomes = t.outcomes + EXCLUDED.outcomes,
        failures = t.failures + EXCLUDED.failures,
        cost = t.cost + EXCLUDED.cost;
    -- Holding those rows now, fold in what deletes and corrections appended for these work orders.
    PERFORM private.fold_held_outcome_deltas(ARRAY(SELECT DISTINCT n.work_order_id FROM new_rows AS n));

    IF NOT EXISTS (SELECT 1 FROM new_rows AS n WHERE NOT n.success) THEN
        RETURN NULL;
    END IF;
    v_max := private.config_numeric('max_refinement_attempts')::integer;
    FOR v_row IN
        WITH failed AS (
            SELECT n.work_order_id, count(*) AS n, max(n.id) AS last_id
            FROM new_rows AS n WHERE NOT n.success
            GROUP BY n.work_order_id
        ), locked AS (
            SELECT w.id FROM public.work_orders AS w
            WHERE w.id IN (SELECT f.work_order_id FROM failed AS f)
            ORDER BY w.id
            FOR NO KEY UPDATE  -- what the UPDATE takes: compatible with other inserts' foreign-key checks
        ), counted AS (
            UPDATE public.work_orders AS w
            SET refinement_attempts = w.refinement_attempts + f.n
            FROM failed AS f
            WHERE w.id = f.work_order_id AND w.id IN (SELECT l.id FROM locked AS l)
            RETURNING w.id, w.refinement_attempts, f.last_id
        )
        SELECT c.id AS work_order_id, c.refinement_attempts AS attempts, l.model_used, l.metadata, l.id AS last_id,
               t.cost AS cost_spent
        FROM counted AS c
        JOIN new_rows AS l ON l.id = c.last_id
        JOIN private.work_order_outcome_totals AS t ON t.work_order_id = c.id
        WHERE c.refinement_attempts > v_max
        ORDER BY c.id
    LOOP
        v_escalation := public.create_escalation(v_row.work_order_id, 'retry_exhausted', jsonb_build_object(
            'reason', format('%s failed attempts, more than the allowed %s', v_row.attempts, v_max),
            'attempts', v_row.attempts,
            'max_refinement_attempts', v_max,
            'model_used', v_row.model_used,
            'cost_spent', v_row.cost_spent,
            'last_outcome_vector_id', v_row.last_id,
            'last_error', coalesce(v_row.metadata -> 'error_message', v_row.metadata -> 'error_details')));
        PERFORM private.block_work_order(v_row.work_order_id, v_escalation, 'retry_exhausted escalation');
    END LOOP;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outcome_vectors_count_attempts
    AFTER INSERT ON public.outcome_vectors
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.outcome_vectors_count_attempts();

REVOKE ALL ON FUNCTION private.outcome_vectors_count_attempts() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_count_attempts() IS 'Statement trigger function: moves the running figures (work_order_outcome_totals) by the inserted rows; each failed outcome vector adds one refinement attempt; more than max_refinement_attempts opens retry_exhausted (cost_spent from the running cost) and blocks the work order.';
COMMENT ON TRIGGER outcome_vectors_count_attempts ON public.outcome_vectors IS 'Running figures per work order move with each insert; failed attempts count as refinement attempts; too many open retry_exhausted.';
