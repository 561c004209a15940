-- Stops sending to a channel without losing its configuration or history. Deliveries already
-- queued for it stay pending and go out if the channel is enabled again (the throttle then
-- summarises a backlog instead of flooding).
CREATE OR REPLACE FUNCTION public.disable_alert_channel(p_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_was_enabled boolean;
BEGIN
    PERFORM private.check_text('alert channel name', p_name, 63, 'List the channels with: SELECT name, kind, enabled FROM alert_channels;');
    SELECT c.enabled INTO v_was_enabled FROM public.alert_channels AS c WHERE c.name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown alert channel %', coalesce(quote_literal(left(p_name, 80)), 'NULL')
            USING ERRCODE = 'P0002', HINT = 'List the channels with: SELECT name, kind, enabled FROM alert_channels;';
    END IF;
    IF v_was_enabled THEN
        UPDATE public.alert_channels AS c SET enabled = false WHERE c.name = p_name;
        INSERT INTO public.audit_log (actor, action, target, details)
        VALUES (private.current_actor(), 'alert_channel.disable', p_name, '{}'::jsonb);
    END IF;
    RETURN v_was_enabled;
END
$$;

REVOKE ALL ON FUNCTION public.disable_alert_channel(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.disable_alert_channel(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.disable_alert_channel(text) IS 'Disable an alert channel by name (re-enable with update_alert_channel(name, p_enabled => true)). Returns true when it was enabled. P0002 for an unknown name.';
