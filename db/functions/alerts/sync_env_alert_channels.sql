-- The simple case without SQL: the runner passes SLACK_WEBHOOK_URL, SENDGRID_API_KEY (+
-- ALERT_EMAIL_TO, ALERT_EMAIL_FROM) and ALERT_WEBHOOK_URL (+ ALERT_WEBHOOK_SECRET) at start,
-- and this upserts the channels env_slack, env_email and env_webhook (source 'env'). A variable
-- that is no longer set disables its channel (history is kept). Empty strings count as unset.
-- Same validation as every other channel write (trigger alert_channels_validate).
CREATE OR REPLACE FUNCTION public.sync_env_alert_channels(
    p_slack_url text,
    p_sendgrid_api_key text,
    p_email_to text,
    p_email_from text,
    p_webhook_url text,
    p_webhook_secret text,
    p_min_severity text DEFAULT 'warning'
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_result jsonb := '{}'::jsonb;
    v_spec record;
    v_id bigint;
    v_to jsonb;
BEGIN
    PERFORM private.check_required('ALERT_MIN_SEVERITY', p_min_severity,
        'Unset it for the default (warning).');
    -- The secrets are checked as add_alert_channel checks them, before anything is written
    -- (the table's own CHECK would otherwise surface as a raw 23514 without a hint).
    IF length(p_sendgrid_api_key) > 4000 OR length(p_webhook_secret) > 4000 THEN
        RAISE EXCEPTION '% must be at most 4000 characters, got %',
                CASE WHEN length(p_sendgrid_api_key) > 4000 THEN 'SENDGRID_API_KEY' ELSE 'ALERT_WEBHOOK_SECRET' END,
                greatest(length(p_sendgrid_api_key), length(p_webhook_secret))
            USING ERRCODE = '22023', HINT = 'Check the variable in the runner''s environment: it holds more than a key.';
    END IF;
    IF p_min_severity NOT IN ('info', 'warning', 'error', 'critical') THEN
        RAISE EXCEPTION 'ALERT_MIN_SEVERITY must be info, warning, error or critical, got %',
                quote_literal(left(p_min_severity, 50))
            USING ERRCODE = '22023', HINT = 'Unset it for the default (warning).';
    END IF;
    IF nullif(p_sendgrid_api_key, '') IS NOT NULL AND (nullif(p_email_to, '') IS NULL OR nullif(p_email_from, '') IS NULL) THEN
        RAISE EXCEPTION 'SENDGRID_API_KEY is set but ALERT_EMAIL_TO or ALERT_EMAIL_FROM is not'
            USING ERRCODE = '22023', HINT = 'Set ALERT_EMAIL_TO (comma-separated addresses) and ALERT_EMAIL_FROM (a verified sender).';
    END IF;
    SELECT coalesce(jsonb_agg(btrim(a)) FILTER (WHERE btrim(a) <> ''), '[]'::jsonb) INTO v_to
    FROM unnest(string_to_array(coalesce(p_email_to, ''), ',')) AS a;

    FOR v_spec IN
        SELECT * FROM (VALUES
            ('env_slack', 'slack', nullif(p_slack_url, ''), NULL::text, '{}'::jsonb),
            ('env_email', 'sendgrid',
             CASE WHEN nullif(p_sendgrid_api_key, '') IS NOT NULL THEN 'https://api.sendgrid.com/v3/mail/send' END,
             nullif(p_sendgrid_api_key, ''),
             jsonb_build_object('to', v_to, 'from', p_email_from)),
            ('env_webhook', 'webhook', nullif(p_webhook_url, ''), nullif(p_webhook_secret, ''), '{}'::jsonb)
        ) AS s(name, kind, url, secret, options)
    LOOP
        IF v_spec.url IS NULL THEN
            UPDATE public.alert_channels AS c SET enabled = false
            WHERE c.name = v_spec.name AND c.source = 'env' AND c.enabled;
            v_result := v_result || jsonb_build_object(v_spec.name, CASE WHEN FOUND THEN 'disabled' ELSE 'unset' END);
            CONTINUE;
        END IF;
        INSERT INTO public.alert_channels AS c (name, kind, url, min_severity, options, source, enabled)
        VALUES (v_spec.name, v_spec.kind, v_spec.url, p_min_severity, v_spec.options, 'env', true)
        ON CONFLICT (name) DO UPDATE
            SET kind = EXCLUDED.kind, url = EXCLUDED.url, min_severity = EXCLUDED.min_severity,
                options = EXCLUDED.options, enabled = true
        RETURNING c.id INTO v_id;
        IF v_spec.secret IS NOT NULL THEN
            INSERT INTO public.alert_channel_secrets AS s (channel_id, secret) VALUES (v_id, v_spec.secret)
            ON CONFLICT (channel_id) DO UPDATE SET secret = EXCLUDED.secret, updated_at = now()
            WHERE s.secret IS DISTINCT FROM EXCLUDED.secret;
        ELSE
            DELETE FROM public.alert_channel_secrets AS s WHERE s.channel_id = v_id;
        END IF;
        v_result := v_result || jsonb_build_object(v_spec.name, 'configured');
    END LOOP;
    RETURN v_result;
END
$$;

REVOKE ALL ON FUNCTION public.sync_env_alert_channels(text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sync_env_alert_channels(text, text, text, text, text, text, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.sync_env_alert_channels(text, text, text, text, text, text, text) IS 'Upsert the channels env_slack, env_email and env_webhook from the runner''s environment (SLACK_WEBHOOK_URL; SENDGRID_API_KEY, ALERT_EMAIL_TO, ALERT_EMAIL_FROM; ALERT_WEBHOOK_URL, ALERT_WEBHOOK_SECRET); unset variables disable their channel. Returns {channel: configured|disabled|unset}.';
