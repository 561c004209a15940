-- Operator check of one channel (moose alerts test-channel NAME): raises an info alert routed to
-- that channel alone (context only_channel), whatever its minimum severity, and returns the
-- delivery id to watch. It then travels the normal path: claim, POST, record.
CREATE OR REPLACE FUNCTION public.test_alert_channel(p_name text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_channel public.alert_channels%ROWTYPE;
    v_alert_id bigint;
    v_delivery_id bigint;
BEGIN
    PERFORM private.check_text('alert channel name', p_name, 63, 'List the channels with: SELECT name, kind, enabled FROM alert_channels;');
    SELECT * INTO v_channel FROM public.alert_channels AS c WHERE c.name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown alert channel %', coalesce(quote_literal(left(p_name, 80)), 'NULL')
            USING ERRCODE = 'P0002', HINT = 'List the channels with: SELECT name, kind, enabled FROM alert_channels;';
    END IF;
    IF NOT v_channel.enabled THEN
        RAISE EXCEPTION 'alert channel % is disabled', quote_literal(p_name)
            USING ERRCODE = '55000', HINT = format('Enable it first: SELECT update_alert_channel(%L, p_enabled => true);', p_name);
    END IF;
    v_alert_id := public.raise_alert(
        'info', 'alert.test', format('Test alert for channel %s', p_name),
        format('If you can read this, alert channel %s (%s) works. Sent by %s.', p_name, v_channel.kind, private.current_actor()),
        format('alert.test:%s:%s', p_name, clock_timestamp()),
        jsonb_build_object('only_channel', p_name));
    SELECT d.id INTO v_delivery_id FROM public.alert_deliveries AS d
    WHERE d.alert_id = v_alert_id AND d.channel_id = v_channel.id;
    RETURN v_delivery_id;
END
$$;

REVOKE ALL ON FUNCTION public.test_alert_channel(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.test_alert_channel(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.test_alert_channel(text) IS 'Raise an info test alert delivered to the named channel only; returns its delivery id. P0002 unknown channel, 55000 disabled channel.';
