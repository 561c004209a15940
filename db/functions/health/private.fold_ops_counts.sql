-- Folds the rows of private.ops_counts into one per metric and labels once more than a few
-- hundred have piled up, so ops_metrics() sums a handful of rows however many writes came
-- before. Called by the statement triggers that append to it. Only one transaction folds at a
-- time (an advisory try-lock: a writer that does not get it just appends, never waits), and a
-- fold only deletes rows committed before it and inserts their sums, so the sums never change.
CREATE OR REPLACE FUNCTION private.fold_ops_counts() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM (SELECT 1 FROM private.ops_counts LIMIT 257) AS c) <= 256
       OR NOT pg_try_advisory_xact_lock(hashtext('moose.fold_ops_counts')) THEN
        RETURN;
    END IF;
    WITH gone AS (
        DELETE FROM private.ops_counts AS c RETURNING c.metric, c.label_1, c.label_2, c.value
    )
    INSERT INTO private.ops_counts (metric, label_1, label_2, value)
    SELECT g.metric, g.label_1, g.label_2, sum(g.value)
    FROM gone AS g
    GROUP BY g.metric, g.label_1, g.label_2
    HAVING sum(g.value) <> 0;
END
$$;

REVOKE ALL ON FUNCTION private.fold_ops_counts() FROM PUBLIC;

COMMENT ON FUNCTION private.fold_ops_counts() IS 'Sums the rows of private.ops_counts into one per metric and labels when more than 256 have piled up; one folder at a time (advisory try-lock), writers never wait.';
