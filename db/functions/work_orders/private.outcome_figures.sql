-- A work order's running figures as of now: its totals row plus the deltas deletes and
-- corrections appended since the last fold. Equal to count(*), count(*) FILTER (WHERE NOT
-- success) and sum(cost) over its outcome vectors, at the cost of one index lookup plus the
-- few deltas not yet folded (the next insert for the work order, or run_retention, folds them).
CREATE OR REPLACE FUNCTION private.outcome_figures(p_work_order_id uuid)
RETURNS TABLE (outcomes bigint, failures bigint, cost numeric)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(sum(f.outcomes), 0)::bigint, coalesce(sum(f.failures), 0)::bigint, coalesce(sum(f.cost), 0)
    FROM (SELECT t.outcomes, t.failures, t.cost FROM private.work_order_outcome_totals AS t
          WHERE t.work_order_id = p_work_order_id
          UNION ALL
          SELECT d.outcomes, d.failures, d.cost FROM private.work_order_outcome_deltas AS d
          WHERE d.work_order_id = p_work_order_id) AS f
$$;

REVOKE ALL ON FUNCTION private.outcome_figures(uuid) FROM PUBLIC;

COMMENT ON FUNCTION private.outcome_figures(uuid) IS 'Running figures of a work order (outcomes, failures, cost): totals plus unfolded deltas; equal to summing its outcome vectors.';
