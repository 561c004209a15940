-- Adds an alert channel: Slack incoming webhook, SendGrid v3 mail/send or a generic JSON webhook.
-- Kind, URL, severity and SendGrid options are checked by the alert_channels_validate trigger
-- (one set of rules for every writer); the secret (SendGrid API key, webhook HMAC secret) goes
-- to alert_channel_secrets, which authenticated and anon cannot read. Audited.
CREATE OR REPLACE FUNCTION public.add_alert_channel(
    p_name text,
    p_kind text,
    p_url text,
    p_secret text DEFAULT NULL,
    p_min_severity text DEFAULT 'warning',
    p_options jsonb DEFAULT '{}'::jsonb
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_url text := p_url;
BEGIN
    IF p_kind = 'sendgrid' AND v_url IS NULL THEN
        v_url := 'https://api.sendgrid.com/v3/mail/send';
    END IF;
    IF p_kind = 'sendgrid' AND p_secret IS NULL THEN
        RAISE EXCEPTION 'a sendgrid channel needs its API key as p_secret'
            USING ERRCODE = '22004', HINT = 'Pass the SendGrid API key (sent as Authorization: Bearer <key>).';
    END IF;
    IF p_kind = 'slack' AND p_secret IS NOT NULL THEN
        RAISE EXCEPTION 'a slack channel takes no secret: its webhook URL is the credential'
            USING ERRCODE = '22023', HINT = 'Leave p_secret NULL.';
    END IF;
    IF p_secret IS NOT NULL AND length(p_secret) NOT BETWEEN 1 AND 4000 THEN
        RAISE EXCEPTION 'alert channel secret must be 1 to 4000 characters, got %', length(p_secret)
            USING ERRCODE = '22023', HINT = 'Pass NULL for no secret.';
    END IF;
    IF EXISTS (SELECT 1 FROM public.alert_channels AS c WHERE c.name = p_name) THEN
        RAISE EXCEPTION 'alert channel % already exists', quote_literal(p_name)
            USING ERRCODE = '23505', HINT = 'Change it with update_alert_channel, or pick another name.';
    END IF;

    INSERT INTO public.alert_channels (name, kind, url, min_severity, options, source)
    VALUES (p_name, p_kind, v_url, p_min_severity, p_options, 'sql')
    RETURNING id INTO v_id;
    IF p_secret IS NOT NULL THEN
        INSERT INTO public.alert_channel_secrets (channel_id, secret) VALUES (v_id, p_secret);
    END IF;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'alert_channel.add', p_name,
            jsonb_build_object('kind', p_kind, 'min_severity', p_min_severity, 'has_secret', p_secret IS NOT NULL));
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION public.add_alert_channel(text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.add_alert_channel(text, text, text, text, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.add_alert_channel(text, text, text, text, text, jsonb) IS 'Add an alert channel (kind slack, sendgrid or webhook) with its URL, optional secret (SendGrid API key, required; webhook HMAC secret, optional), minimum severity (default warning) and options (sendgrid: {"to": [...], "from": "..."}). Returns the channel id. 22023 on an unknown kind, malformed URL or unknown severity; 23505 when the name exists.';
