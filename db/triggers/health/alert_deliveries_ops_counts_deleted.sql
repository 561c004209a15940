-- Takes deleted alert deliveries (retention, a cascade from alerts) off the running count per
-- channel and status (ops_metrics(): moose_alert_deliveries); TRUNCATE empties the count.
CREATE OR REPLACE FUNCTION private.alert_deliveries_ops_counts_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM private.ops_counts AS c WHERE c.metric = 'alert_deliveries';
        RETURN NULL;
    END IF;
    INSERT INTO private.ops_counts (metric, label_1, label_2, value)
    SELECT 'alert_deliveries', o.channel_id::text, o.status, -count(*)
    FROM old_rows AS o GROUP BY o.channel_id, o.status;
    PERFORM private.fold_ops_counts();
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER alert_deliveries_ops_counts_deleted
    AFTER DELETE ON public.alert_deliveries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.alert_deliveries_ops_counts_deleted();

CREATE OR REPLACE TRIGGER alert_deliveries_ops_counts_truncated
    AFTER TRUNCATE ON public.alert_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION private.alert_deliveries_ops_counts_deleted();

REVOKE ALL ON FUNCTION private.alert_deliveries_ops_counts_deleted() FROM PUBLIC;
COMMENT ON FUNCTION private.alert_deliveries_ops_counts_deleted() IS 'Statement trigger function: deleted alert deliveries leave the running count of their channel and status; TRUNCATE empties it (private.ops_counts).';
COMMENT ON TRIGGER alert_deliveries_ops_counts_deleted ON public.alert_deliveries IS 'Deleted alert deliveries leave the running count per channel and status behind ops_metrics().';
COMMENT ON TRIGGER alert_deliveries_ops_counts_truncated ON public.alert_deliveries IS 'TRUNCATE alert_deliveries empties the running count per channel and status.';
