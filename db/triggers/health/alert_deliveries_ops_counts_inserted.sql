-- Counts new alert deliveries per channel and status for ops_metrics() (moose_alert_deliveries):
-- one row per channel and status of the statement in private.ops_counts, so a scrape never
-- counts alert_deliveries (delivered rows pile up until retention).
CREATE OR REPLACE FUNCTION private.alert_deliveries_ops_counts_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO private.ops_counts (metric, label_1, label_2, value)
    SELECT 'alert_deliveries', n.channel_id::text, n.status, count(*)
    FROM new_rows AS n GROUP BY n.channel_id, n.status;
    PERFORM private.fold_ops_counts();
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER alert_deliveries_ops_counts_inserted
    AFTER INSERT ON public.alert_deliveries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.alert_deliveries_ops_counts_inserted();

REVOKE ALL ON FUNCTION private.alert_deliveries_ops_counts_inserted() FROM PUBLIC;
COMMENT ON FUNCTION private.alert_deliveries_ops_counts_inserted() IS 'Statement trigger function: new alert deliveries add to the running count of their channel and status (private.ops_counts).';
COMMENT ON TRIGGER alert_deliveries_ops_counts_inserted ON public.alert_deliveries IS 'New alert deliveries add to the running count per channel and status behind ops_metrics().';
