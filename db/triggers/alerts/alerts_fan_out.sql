-- One delivery row per enabled channel whose minimum severity the new alert reaches, in the
-- raiser's transaction: the alert and its deliveries commit together, so nothing is lost
-- between raise_alert and the sender. Dedupe happens before (raise_alert updates the existing
-- row instead of inserting), so a repeated condition fans out once.
-- Routing keys in the alert context: "only_channel" (a channel test) sends to that channel
-- alone; "exclude_channel" (an alert about a failing channel) skips that channel.
-- SECURITY DEFINER: a service_role INSERT into alerts must fan out even though the severity
-- helper lives in schema private.
CREATE OR REPLACE FUNCTION private.alerts_fan_out() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO public.alert_deliveries (alert_id, channel_id)
    SELECT NEW.id, c.id
    FROM public.alert_channels AS c
    WHERE c.enabled
      AND CASE WHEN NEW.context ? 'only_channel' THEN c.name = NEW.context ->> 'only_channel'
               ELSE private.alert_severity_rank(NEW.severity) >= private.alert_severity_rank(c.min_severity)
                    AND c.name IS DISTINCT FROM NEW.context ->> 'exclude_channel'
          END
    ORDER BY c.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER alerts_fan_out
    AFTER INSERT ON public.alerts
    FOR EACH ROW EXECUTE FUNCTION private.alerts_fan_out();

REVOKE ALL ON FUNCTION private.alerts_fan_out() FROM PUBLIC;
COMMENT ON FUNCTION private.alerts_fan_out() IS 'Trigger function: inserts one pending alert_deliveries row per enabled channel the new alert qualifies for (min_severity, only_channel, exclude_channel).';
COMMENT ON TRIGGER alerts_fan_out ON public.alerts IS 'Fans a new alert out to one pending delivery per qualifying enabled channel, in the same transaction.';
