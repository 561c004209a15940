-- Takes deleted work orders off the running count per status (ops_metrics(): moose_work_orders);
-- TRUNCATE empties the count.
CREATE OR REPLACE FUNCTION private.work_orders_ops_counts_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM private.ops_counts AS c WHERE c.metric = 'work_orders';
        RETURN NULL;
    END IF;
    INSERT INTO private.ops_counts (metric, label_1, value)
    SELECT 'work_orders', o.status, -count(*) FROM old_rows AS o GROUP BY o.status;
    PERFORM private.fold_ops_counts();
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_ops_counts_deleted
    AFTER DELETE ON public.work_orders
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.work_orders_ops_counts_deleted();

CREATE OR REPLACE TRIGGER work_orders_ops_counts_truncated
    AFTER TRUNCATE ON public.work_orders
    FOR EACH STATEMENT EXECUTE FUNCTION private.work_orders_ops_counts_deleted();

REVOKE ALL ON FUNCTION private.work_orders_ops_counts_deleted() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_ops_counts_deleted() IS 'Statement trigger function: deleted work orders leave the running count of their status; TRUNCATE empties it (private.ops_counts).';
COMMENT ON TRIGGER work_orders_ops_counts_deleted ON public.work_orders IS 'Deleted work orders leave the running count per status behind ops_metrics().';
COMMENT ON TRIGGER work_orders_ops_counts_truncated ON public.work_orders IS 'TRUNCATE work_orders empties the running count per status.';
