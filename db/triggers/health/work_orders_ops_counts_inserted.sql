-- Counts new work orders per status for ops_metrics() (moose_work_orders): one row per status of
-- the statement in private.ops_counts, so a bulk INSERT ... SELECT costs one row per status and
-- a scrape never counts work_orders.
CREATE OR REPLACE FUNCTION private.work_orders_ops_counts_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO private.ops_counts (metric, label_1, value)
    SELECT 'work_orders', n.status, count(*) FROM new_rows AS n GROUP BY n.status;
    PERFORM private.fold_ops_counts();
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_ops_counts_inserted
    AFTER INSERT ON public.work_orders
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.work_orders_ops_counts_inserted();

REVOKE ALL ON FUNCTION private.work_orders_ops_counts_inserted() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_ops_counts_inserted() IS 'Statement trigger function: new work orders add to the running count of their status (private.ops_counts).';
COMMENT ON TRIGGER work_orders_ops_counts_inserted ON public.work_orders IS 'New work orders add to the running count per status behind ops_metrics().';
