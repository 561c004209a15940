-- Changes an alert channel: each NULL argument leaves that setting as it is. p_clear_secret
-- removes a webhook's HMAC secret (a SendGrid channel cannot lose its API key). Audited without
-- the secret itself. Returns the channel as the dashboard may see it (no URL, no secret).
CREATE OR REPLACE FUNCTION public.update_alert_channel(
    p_name text,
    p_url text DEFAULT NULL,
    p_secret text DEFAULT NULL,
    p_min_severity text DEFAULT NULL,
    p_enabled boolean DEFAULT NULL,
    p_options jsonb DEFAULT NULL,
    p_clear_secret boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_channel public.alert_channels%ROWTYPE;
BEGIN
    PERFORM private.check_text('alert channel name', p_name, 63, 'List the channels with: SELECT name, kind, enabled FROM alert_channels;');
    PERFORM private.check_required('p_clear_secret', p_clear_secret,
        'false keeps the secret (the default), true removes it.');
    -- The values themselves before the lookup (the trigger alert_channels_validate checks the rest).
    IF p_secret IS NOT NULL AND length(p_secret) NOT BETWEEN 1 AND 4000 THEN
        RAISE EXCEPTION 'alert channel secret must be 1 to 4000 characters, got %', length(p_secret)
            USING ERRCODE = '22023', HINT = 'Pass NULL to keep the current secret.';
    END IF;
    IF length(p_url) > 2000 THEN
        RAISE EXCEPTION 'alert channel URL must be at most 2000 characters, got %', length(p_url)
            USING ERRCODE = '22023', HINT = 'Pass the webhook URL itself, or NULL to keep it.';
    END IF;
    IF p_min_severity NOT IN ('info', 'warning', 'error', 'critical') THEN
        RAISE EXCEPTION 'alert channel min_severity must be info, warning, error or critical, got %', quote_literal(left(p_min_severity, 50))
            USING ERRCODE = '22023', HINT = 'Use one of: info, warning, error, critical; NULL keeps it.';
    END IF;
    IF p_secret IS NOT NULL AND p_clear_secret THEN
        RAISE EXCEPTION 'give either a new secret or p_clear_secret, not both'
            USING ERRCODE = '22023', HINT = 'Pass p_secret to replace it, p_clear_secret => true to remove it.';
    END IF;
    SELECT * INTO v_channel FROM public.alert_channels AS c WHERE c.name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown alert channel %', coalesce(quote_literal(left(p_name, 80)), 'NULL')
            USING ERRCODE = 'P0002', HINT = 'List the channels with: SELECT name, kind, enabled FROM alert_channels;';
    END IF;
    IF p_secret IS NOT NULL AND v_channel.kind = 'slack' THEN
        RAISE EXCEPTION 'a slack channel takes no secret: its webhook URL is the credential'
            USING ERRCODE = '22023', HINT = 'Change p_url instead.';
    END IF;
    IF p_clear_secret AND v_channel.kind = 'sendgrid' THEN
        RAISE EXCEPTION 'a sendgrid channel cannot be left without its API key'
            USING ERRCODE = '22023', HINT = 'Pass a new key as p_secret, or disable the channel.';
    END IF;

    UPDATE public.alert_channels AS c
    SET url = coalesce(p_url, c.url),
        min_severity = coalesce(p_min_severity, c.min_severity),
        enabled = coalesce(p_enabled, c.enabled),
        options = coalesce(p_options, c.options)
    WHERE c.id = v_channel.id
    RETURNING * INTO v_channel;

    IF p_secret IS NOT NULL THEN
        INSERT INTO public.alert_channel_secrets AS s (channel_id, secret) VALUES (v_channel.id, p_secret)
        ON CONFLICT (channel_id) DO UPDATE SET secret = EXCLUDED.secret, updated_at = now();
    ELSIF p_clear_secret THEN
        DELETE FROM public.alert_channel_secrets AS s WHERE s.channel_id = v_channel.id;
    END IF;

    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'alert_channel.update', p_name,
            jsonb_strip_nulls(jsonb_build_object('url_changed', p_url IS NOT NULL, 'min_severity', p_min_severity,
                                                 'enabled', p_enabled, 'options_changed', p_options IS NOT NULL,
                                                 'secret_changed', p_secret IS NOT NULL OR p_clear_secret)));
    RETURN jsonb_build_object('id', v_channel.id, 'name', v_channel.name, 'kind', v_channel.kind,
                              'min_severity', v_channel.min_severity, 'enabled', v_channel.enabled,
                              'source', v_channel.source, 'updated_at', v_channel.updated_at);
END
$$;

REVOKE ALL ON FUNCTION public.update_alert_channel(text, text, text, text, boolean, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_alert_channel(text, text, text, text, boolean, jsonb, boolean) TO service_role, moose_runner;

COMMENT ON FUNCTION public.update_alert_channel(text, text, text, text, boolean, jsonb, boolean) IS 'Change an alert channel by name; NULL arguments keep the current value; p_clear_secret removes a webhook HMAC secret. P0002 for an unknown name, 22023 for a bad URL, kind-incompatible secret or unknown severity. Returns the channel without URL or secret.';
