-- The one place that turns a delivery into an HTTP request, used by the runner
-- (claim_alert_deliveries) and by pg_net (dispatch_alerts) alike:
--   slack:    the runbook 2.2 attachment (color danger/warning/good by severity, text, footer
--             "Moose Mission Control", ts) with the alert id in the text and a field;
--   sendgrid: v3 mail/send JSON, the API key as "Authorization: Bearer <key>", the ids in
--             custom_args;
--   webhook:  the message itself; with a secret, X-Moose-Signature: sha256=<HMAC-SHA256 hex of
--             the exact body bytes>.
-- The body bytes on the wire are convert_to(body::text, 'UTF8') in both paths (pg_net sends
-- exactly that; the runner posts the text claim_alert_deliveries returns), so the signature
-- covers what the receiver reads.
CREATE OR REPLACE FUNCTION private.alert_request(p_delivery_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_message jsonb := private.alert_message(p_delivery_id);
    v_channel public.alert_channels%ROWTYPE;
    v_secret text;
    v_body jsonb;
    v_headers jsonb;
    v_ids text;
    v_text text;
BEGIN
    SELECT c.* INTO v_channel
    FROM public.alert_channels AS c JOIN public.alert_deliveries AS d ON d.channel_id = c.id
    WHERE d.id = p_delivery_id;
    SELECT s.secret INTO v_secret FROM public.alert_channel_secrets AS s WHERE s.channel_id = v_channel.id;

    v_ids := CASE WHEN v_message ->> 'type' = 'alert' THEN format('alert #%s', v_message ->> 'alert_id')
                  ELSE format('summary delivery #%s', v_message ->> 'delivery_id') END;
    v_headers := jsonb_build_object('Content-Type', 'application/json',
                                    'X-Moose-Delivery-Id', v_message ->> 'delivery_id',
                                    'X-Moose-Alert-Id', coalesce(v_message ->> 'alert_id', ''));

    CASE v_channel.kind
    WHEN 'slack' THEN
        v_text := format(E'*[%s] %s*', upper(v_message ->> 'severity'), v_message ->> 'title');
        IF v_message ->> 'body' <> '' THEN
            v_text := v_text || E'\n' || (v_message ->> 'body');
        END IF;
        v_text := v_text || E'\n' || format('%s · %s · occurrences: %s', v_ids, v_message ->> 'kind', v_message ->> 'occurrences');
        v_body := jsonb_build_object('attachments', jsonb_build_array(jsonb_build_object(
            'color', CASE WHEN v_message ->> 'severity' IN ('error', 'critical') THEN 'danger'
                          WHEN v_message ->> 'severity' = 'warning' THEN 'warning' ELSE 'good' END,
            'fallback', format('[%s] %s (%s)', upper(v_message ->> 'severity'), v_message ->> 'title', v_ids),
            'text', v_text,
            'fields', jsonb_build_array(
                jsonb_build_object('title', 'alert_id', 'value', coalesce(v_message ->> 'alert_id', v_message ->> 'alert_ids'), 'short', true),
                jsonb_build_object('title', 'delivery_id', 'value', v_message ->> 'delivery_id', 'short', true)),
            'footer', 'Moose Mission Control',
            'ts', floor(extract(epoch FROM (v_message ->> 'created_at')::timestamptz))::bigint)));
    WHEN 'sendgrid' THEN
        v_body := jsonb_build_object(
            'personalizations', jsonb_build_array(jsonb_build_object(
                'to', (SELECT jsonb_agg(jsonb_build_object('email', t.value #>> '{}'))
                       FROM jsonb_array_elements(v_channel.options -> 'to') AS t))),
            'from', jsonb_build_object('email', v_channel.options ->> 'from'),
            'subject', format('%s %s: %s', coalesce(v_channel.options ->> 'subject_prefix', '[Moose]'),
                              upper(v_message ->> 'severity'), v_message ->> 'title'),
            'content', jsonb_build_array(jsonb_build_object(
                'type', 'text/plain',
                'value', concat_ws(E'\n\n', nullif(v_message ->> 'body', ''),
                                   format('%s · %s · severity %s · occurrences %s · raised %s · Moose Mission Control',
                                          v_ids, v_message ->> 'kind', v_message ->> 'severity',
                                          v_message ->> 'occurrences', v_message ->> 'created_at')))),
            'custom_args', jsonb_build_object('moose_delivery_id', v_message ->> 'delivery_id',
                                              'moose_alert_id', coalesce(v_message ->> 'alert_id', '')));
        v_headers := v_headers || jsonb_build_object('Authorization', 'Bearer ' || coalesce(v_secret, ''));
    ELSE
        v_body := v_message;
        IF v_secret IS NOT NULL THEN
            v_headers := v_headers || jsonb_build_object(
                'X-Moose-Signature', 'sha256=' || private.hmac_sha256(convert_to(v_secret, 'UTF8'), convert_to(v_body::text, 'UTF8')));
        END IF;
    END CASE;

    RETURN jsonb_build_object(
        'delivery_id', p_delivery_id, 'channel', v_channel.name, 'channel_kind', v_channel.kind,
        'url', v_channel.url, 'headers', v_headers, 'body', v_body,
        'timeout_ms', greatest(1, round(extract(epoch FROM private.config_interval('alert_delivery_timeout')) * 1000))::integer);
END
$$;

REVOKE ALL ON FUNCTION private.alert_request(bigint) FROM PUBLIC;

COMMENT ON FUNCTION private.alert_request(bigint) IS 'The HTTP request of one delivery as jsonb {url, headers, body, timeout_ms, channel, channel_kind}: Slack attachment, SendGrid v3 mail/send with Bearer key, or the JSON webhook with X-Moose-Signature (HMAC-SHA256 of body::text). Contains secrets: private.';
