-- Moves the running count per channel and status (ops_metrics(): moose_alert_deliveries) when
-- deliveries change status (pending, sending, delivered, failed, throttled): -1 for the old pair
-- and +1 for the new per row that moved, one row per pair in private.ops_counts.
CREATE OR REPLACE FUNCTION private.alert_deliveries_ops_counts_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO private.ops_counts (metric, label_1, label_2, value)
    SELECT 'alert_deliveries', m.channel_id::text, m.status, sum(m.delta)
    FROM (SELECT o.channel_id, o.status, -1 AS delta FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
          WHERE (n.status, n.channel_id) IS DISTINCT FROM (o.status, o.channel_id)
          UNION ALL
          SELECT n.channel_id, n.status, 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
          WHERE (n.status, n.channel_id) IS DISTINCT FROM (o.status, o.channel_id)) AS m
    GROUP BY m.channel_id, m.status
    HAVING sum(m.delta) <> 0;
    IF FOUND THEN
        PERFORM private.fold_ops_counts();
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER alert_deliveries_ops_counts_updated
    AFTER UPDATE ON public.alert_deliveries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION private.alert_deliveries_ops_counts_updated();

REVOKE ALL ON FUNCTION private.alert_deliveries_ops_counts_updated() FROM PUBLIC;
COMMENT ON FUNCTION private.alert_deliveries_ops_counts_updated() IS 'Statement trigger function: deliveries that changed status move the running counts per channel and status (private.ops_counts).';
COMMENT ON TRIGGER alert_deliveries_ops_counts_updated ON public.alert_deliveries IS 'Status changes move the running count per channel and status behind ops_metrics().';
