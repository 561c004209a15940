-- Holds every write to alert_channels to the same rules with clear errors, whether it comes
-- from add_alert_channel, update_alert_channel, the runner's environment sync or a DBA's own
-- INSERT: a known kind, a well-formed http(s) URL, a severity from the list, and for SendGrid
-- the to/from addresses the mail needs. Normalises options.to to an array; stamps updated_*.
-- SECURITY DEFINER so that a service_role writing the table directly gets these answers rather
-- than a refusal of schema private (where current_actor lives).
CREATE OR REPLACE FUNCTION private.alert_channels_validate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_email_re constant text := '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$';
    v_to jsonb;
    v_address jsonb;
BEGIN
    IF NEW.name IS NULL OR NEW.kind IS NULL OR NEW.url IS NULL OR NEW.min_severity IS NULL OR NEW.options IS NULL THEN
        RAISE EXCEPTION 'alert channel name, kind, url, min_severity and options must not be NULL'
            USING ERRCODE = '22004', HINT = 'E.g. SELECT add_alert_channel(''ops-slack'', ''slack'', ''https://hooks.slack.com/services/...'');';
    END IF;
    IF NEW.name !~ '^[a-z][a-z0-9_-]{0,62}$' THEN
        RAISE EXCEPTION 'alert channel name must be 1 to 63 lowercase letters, digits, _ or -, got %', quote_literal(left(NEW.name, 80))
            USING ERRCODE = '22023', HINT = 'E.g. ops-slack, oncall_email.';
    END IF;
    IF NEW.source = 'sql' AND NEW.name LIKE 'env\_%' THEN
        RAISE EXCEPTION 'alert channel names starting with env_ are reserved for channels from the runner''s environment'
            USING ERRCODE = '22023', HINT = 'Pick another name; env_slack, env_email and env_webhook come from SLACK_WEBHOOK_URL, SENDGRID_API_KEY and ALERT_WEBHOOK_URL.';
    END IF;
    IF NEW.kind NOT IN ('slack', 'sendgrid', 'webhook') THEN
        RAISE EXCEPTION 'unknown alert channel kind %', quote_literal(left(NEW.kind, 50))
            USING ERRCODE = '22023', HINT = 'Use one of: slack, sendgrid, webhook.';
    END IF;
    IF length(NEW.url) > 2000
       OR NEW.url !~ '^https?://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[^[:space:]]*)?$' THEN
        RAISE EXCEPTION 'malformed alert channel URL %', quote_literal(left(NEW.url, 100))
            USING ERRCODE = '22023', HINT = 'Give an absolute http:// or https:// URL with a host and no spaces, e.g. https://hooks.slack.com/services/T000/B000/XXXX.';
    END IF;
    IF NEW.min_severity NOT IN ('info', 'warning', 'error', 'critical') THEN
        RAISE EXCEPTION 'alert channel min_severity must be info, warning, error or critical, got %', quote_literal(left(NEW.min_severity, 50))
            USING ERRCODE = '22023', HINT = 'Use one of: info, warning, error, critical.';
    END IF;
    IF jsonb_typeof(NEW.options) <> 'object' THEN
        RAISE EXCEPTION 'alert channel options must be a JSON object, got %', jsonb_typeof(NEW.options)
            USING ERRCODE = '22023', HINT = 'E.g. ''{"to": ["oncall@example.com"], "from": "alerts@example.com"}''::jsonb.';
    END IF;

    IF NEW.kind = 'sendgrid' THEN
        v_to := NEW.options -> 'to';
        IF jsonb_typeof(v_to) = 'string' THEN
            v_to := jsonb_build_array(v_to);
        END IF;
        IF v_to IS NULL OR jsonb_typeof(v_to) <> 'array' OR jsonb_array_length(v_to) NOT BETWEEN 1 AND 50 THEN
            RAISE EXCEPTION 'a sendgrid channel needs options.to: one address or an array of 1 to 50 addresses'
                USING ERRCODE = '22023', HINT = 'E.g. ''{"to": ["oncall@example.com"], "from": "alerts@example.com"}''::jsonb.';
        END IF;
        FOR v_address IN SELECT e.value FROM jsonb_array_elements(v_to) AS e LOOP
            IF jsonb_typeof(v_address) <> 'string' OR (v_address #>> '{}') !~ v_email_re OR length(v_address #>> '{}') > 320 THEN
                RAISE EXCEPTION 'malformed e-mail address % in options.to', left(v_address::text, 100)
                    USING ERRCODE = '22023', HINT = 'Each address looks like name@example.com.';
            END IF;
        END LOOP;
        IF jsonb_typeof(NEW.options -> 'from') IS DISTINCT FROM 'string' OR (NEW.options ->> 'from') !~ v_email_re
           OR length(NEW.options ->> 'from') > 320 THEN
            RAISE EXCEPTION 'a sendgrid channel needs options.from: one sender address, got %', coalesce(left((NEW.options -> 'from')::text, 100), 'nothing')
                USING ERRCODE = '22023', HINT = 'E.g. "from": "alerts@example.com" (a sender verified in SendGrid).';
        END IF;
        NEW.options := jsonb_set(NEW.options, '{to}', v_to);
    END IF;

    NEW.updated_at := now();
    NEW.updated_by := private.current_actor();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER alert_channels_validate
    BEFORE INSERT OR UPDATE ON public.alert_channels
    FOR EACH ROW EXECUTE FUNCTION private.alert_channels_validate();

REVOKE ALL ON FUNCTION private.alert_channels_validate() FROM PUBLIC;
COMMENT ON FUNCTION private.alert_channels_validate() IS 'Trigger function: refuses an alert channel with an unknown kind, a malformed URL, a severity not in the list or SendGrid options without to/from (22023/22004); stamps updated_at/updated_by.';
COMMENT ON TRIGGER alert_channels_validate ON public.alert_channels IS 'Refuses unknown kinds, malformed URLs, unknown severities and incomplete SendGrid options with a clear error and HINT.';
