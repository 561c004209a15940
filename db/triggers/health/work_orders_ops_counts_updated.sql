-- Moves the running count per status (ops_metrics(): moose_work_orders) when work orders change
-- status: -1 for the old status and +1 for the new per row that moved, one row per status in
-- private.ops_counts. Updates that leave the status alone (most) append nothing.
CREATE OR REPLACE FUNCTION private.work_orders_ops_counts_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO private.ops_counts (metric, label_1, value)
    SELECT 'work_orders', m.status, sum(m.delta)
    FROM (SELECT o.status, -1 AS delta FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
          WHERE n.status IS DISTINCT FROM o.status
          UNION ALL
          SELECT n.status, 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
          WHERE n.status IS DISTINCT FROM o.status) AS m
    GROUP BY m.status
    HAVING sum(m.delta) <> 0;
    IF FOUND THEN
        PERFORM private.fold_ops_counts();
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_ops_counts_updated
    AFTER UPDATE ON public.work_orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.work_orders_ops_counts_updated();

REVOKE ALL ON FUNCTION private.work_orders_ops_counts_updated() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_ops_counts_updated() IS 'Statement trigger function: work orders that changed status move the running counts per status (private.ops_counts).';
COMMENT ON TRIGGER work_orders_ops_counts_updated ON public.work_orders IS 'Status changes move the running count per status behind ops_metrics().';
