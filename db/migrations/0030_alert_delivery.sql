-- Alert delivery state: the channels alerts go to (Slack, SendGrid email, generic webhook), their
-- secrets in a table only the runner and service_role can read, and one delivery row per alert
-- and channel that is the durable record of what was sent, retried, throttled or given up on
-- (pg_net keeps its own queue in unlogged tables, so this table, not pg_net, is the record).
-- depends: 0004_orchestrator_state

CREATE TABLE public.alert_channels (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    kind         text NOT NULL CHECK (kind IN ('slack', 'sendgrid', 'webhook')),
    url          text NOT NULL CHECK (url ~ '^https?://[^[:space:]/?#]+' AND length(url) <= 2000),
    min_severity text NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'error', 'critical')),
    enabled      boolean NOT NULL DEFAULT true,
    options      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    source       text NOT NULL DEFAULT 'sql' CHECK (source IN ('sql', 'env')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text
);
COMMENT ON TABLE public.alert_channels IS 'Where alerts go: Slack incoming webhooks, SendGrid v3 mail/send, generic JSON webhooks. Managed by add_alert_channel / update_alert_channel / disable_alert_channel; secrets live in alert_channel_secrets.';
COMMENT ON COLUMN public.alert_channels.url IS 'POST target. For Slack the URL itself is a credential, so authenticated cannot read this column.';
COMMENT ON COLUMN public.alert_channels.options IS 'Per kind: sendgrid needs {"to": ["a@b.c"], "from": "alerts@x.y"}; optional "subject_prefix".';
COMMENT ON COLUMN public.alert_channels.source IS 'sql: managed by functions; env: upserted by the runner from SLACK_WEBHOOK_URL, SENDGRID_API_KEY, ALERT_WEBHOOK_URL.';

CREATE TABLE public.alert_channel_secrets (
    channel_id bigint PRIMARY KEY REFERENCES public.alert_channels (id) ON DELETE CASCADE,
    secret     text NOT NULL CHECK (length(secret) BETWEEN 1 AND 4000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.alert_channel_secrets IS 'The SendGrid API key or webhook HMAC secret of a channel. Readable only by service_role and moose_runner.';

CREATE TABLE public.alert_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         bigint REFERENCES public.alerts (id) ON DELETE CASCADE,
    channel_id       bigint NOT NULL REFERENCES public.alert_channels (id),
    is_summary       boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'throttled')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    via              text CHECK (via IN ('runner', 'pg_net')),
    claimed_by       text,
    net_request_id   bigint,
    summary_id       bigint REFERENCES public.alert_deliveries (id) ON DELETE SET NULL,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    first_attempt_at timestamptz,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (is_summary = (alert_id IS NULL)),
    UNIQUE (alert_id, channel_id)
);
COMMENT ON TABLE public.alert_deliveries IS 'One row per alert and channel (plus throttle summaries): pending -> sending -> delivered, or back to pending with backoff, failed after alert_max_attempts, throttled when held back into a summary (summary_id).';
COMMENT ON COLUMN public.alert_deliveries.next_attempt_at IS 'pending: when it is due. sending: when the claim lease expires and the row is due again (a crashed sender).';
COMMENT ON COLUMN public.alert_deliveries.summary_id IS 'For a throttled row: the summary delivery that lists it.';

-- The claim scans only rows that may be due; the throttle counts recent first sends per channel.
CREATE INDEX alert_deliveries_due_idx ON public.alert_deliveries (channel_id, next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX alert_deliveries_recent_idx ON public.alert_deliveries (channel_id, first_attempt_at)
    WHERE NOT is_summary AND first_attempt_at IS NOT NULL;
CREATE INDEX alert_deliveries_summary_idx ON public.alert_deliveries (summary_id) WHERE summary_id IS NOT NULL;
CREATE INDEX alert_deliveries_pg_net_idx ON public.alert_deliveries (net_request_id)
    WHERE via = 'pg_net' AND status = 'sending';
CREATE INDEX alert_deliveries_status_idx ON public.alert_deliveries (status, created_at);

ALTER TABLE public.alert_channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.alert_channel_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.alert_deliveries ENABLE ROW LEVEL SECURITY;

CREATE POLICY service_all ON public.alert_channels FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.alert_channel_secrets FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.alert_deliveries FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
-- The dashboard may list which channels exist, never their URLs (a Slack URL is a credential).
CREATE POLICY dashboard_read ON public.alert_channels FOR SELECT TO authenticated USING (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON public.alert_channels, public.alert_channel_secrets, public.alert_deliveries
    TO service_role, moose_runner;
GRANT SELECT (id, name, kind, min_severity, enabled, source, created_at, updated_at)
    ON public.alert_channels TO authenticated;

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('alert_max_attempts',          '8',              'integer',  1, 100, 'Delivery attempts per alert and channel before the delivery is marked failed and an alert about the channel is raised.'),
    ('alert_retry_base',            '"5 seconds"',    'interval', 0, 3600, 'First retry delay; doubles per attempt (exponential backoff, half of it random jitter).'),
    ('alert_retry_cap',             '"15 minutes"',   'interval', 0, 86400, 'Longest delay between two delivery attempts.'),
    ('alert_delivery_timeout',      '"10 seconds"',   'interval', 0.1, 300, 'HTTP timeout of one delivery POST (runner and pg_net).'),
    ('alert_delivery_lease',        '"2 minutes"',    'interval', 1, 86400, 'How long a claimed delivery stays with its sender before it is due again (a crashed sender); at least the timeout plus one second.'),
    ('alert_throttle_limit',        '20',             'integer',  1, 100000, 'Distinct alerts sent to one channel per throttle window; the rest are held back and summarised in one message.'),
    ('alert_throttle_window',       '"1 minute"',     'interval', 1, 86400, 'The sliding window of alert_throttle_limit.'),
    ('alert_channel_max_in_flight', '2',              'integer',  1, 1000, 'Deliveries to one channel being sent at once, so a hanging receiver ties up at most this many senders.'),
    ('alert_poll_interval',         '"2 seconds"',    'interval', 0.05, 3600, 'How often the runner looks for due deliveries when no NOTIFY arrives (retries, missed notifications).');
