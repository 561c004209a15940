-- Folds the pending deltas (from deleted or corrected outcome vectors) of the given work orders
-- into their running figures. The caller holds those work orders' totals rows (the outcome
-- insert trigger after its upsert, private.fold_outcome_deltas after SKIP LOCKED), so no
-- concurrent fold can add a delta twice. Returns how many totals rows moved.
CREATE OR REPLACE FUNCTION private.fold_held_outcome_deltas(p_work_order_ids uuid[]) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    WITH folded AS (
        DELETE FROM private.work_order_outcome_deltas AS d
        WHERE d.work_order_id = ANY (p_work_order_ids)
        RETURNING d.work_order_id, d.outcomes, d.failures, d.cost
    ), summed AS (
        SELECT f.work_order_id, sum(f.outcomes) AS n, sum(f.failures) AS fl, sum(f.cost) AS c
        FROM folded AS f GROUP BY f.work_order_id
    ), moved AS (
        UPDATE private.work_order_outcome_totals AS t
        SET outcomes = t.outcomes + s.n, failures = t.failures + s.fl, cost = t.cost + s.c
        FROM summed AS s WHERE t.work_order_id = s.work_order_id
        RETURNING 1
    )
    SELECT count(*)::integer FROM moved;
$$;

REVOKE ALL ON FUNCTION private.fold_held_outcome_deltas(uuid[]) FROM PUBLIC;

COMMENT ON FUNCTION private.fold_held_outcome_deltas(uuid[]) IS 'Fold the pending outcome deltas of these work orders (whose totals rows the caller holds) into work_order_outcome_totals; returns totals rows moved.';
