-- The delivery settings a sender needs outside SQL (the runner cannot read schema private):
-- poll interval, HTTP timeout, lease, per-channel in-flight cap, all in seconds or counts.
CREATE OR REPLACE FUNCTION public.alert_delivery_settings() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object(
        'poll_interval_s', extract(epoch FROM private.config_interval('alert_poll_interval')),
        'timeout_s', extract(epoch FROM private.config_interval('alert_delivery_timeout')),
        'lease_s', extract(epoch FROM greatest(private.config_interval('alert_delivery_lease'),
                                               private.config_interval('alert_delivery_timeout') + interval '1 second')),
        'max_in_flight_per_channel', private.config_numeric('alert_channel_max_in_flight'),
        'pg_net_installed', private.pg_net_installed());
$$;

REVOKE ALL ON FUNCTION public.alert_delivery_settings() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.alert_delivery_settings() TO service_role, moose_runner;

COMMENT ON FUNCTION public.alert_delivery_settings() IS 'Delivery settings for senders: {poll_interval_s, timeout_s, lease_s, max_in_flight_per_channel, pg_net_installed}.';
