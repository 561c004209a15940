-- sync_env_alert_channels: the runner's SLACK_WEBHOOK_URL, SENDGRID_API_KEY (+ ALERT_EMAIL_TO,
-- ALERT_EMAIL_FROM) and ALERT_WEBHOOK_URL (+ ALERT_WEBHOOK_SECRET) become env_* channels;
-- unset variables disable them; bad values get the same errors as add_alert_channel.
BEGIN;
SELECT plan(9);

SELECT is(sync_env_alert_channels('https://hooks.slack.com/services/A/B/C', NULL, NULL, NULL, '', NULL),
          '{"env_slack": "configured", "env_email": "unset", "env_webhook": "unset"}'::jsonb, 'slack only; empty strings are unset');
SELECT is((SELECT kind || '/' || source || '/' || min_severity FROM alert_channels WHERE name = 'env_slack'), 'slack/env/warning',
          'env_slack is an env channel at warning');
SELECT is(sync_env_alert_channels(NULL, 'SG.x', 'a@example.com,b@example.com', 'alerts@example.com',
                                  'https://example.com/h', 'sec', 'error'),
          '{"env_slack": "disabled", "env_email": "configured", "env_webhook": "configured"}'::jsonb,
          'slack unset is disabled; email and webhook configured');
SELECT is((SELECT options -> 'to' FROM alert_channels WHERE name = 'env_email'), '["a@example.com", "b@example.com"]'::jsonb,
          'ALERT_EMAIL_TO is split on commas');
SELECT is((SELECT count(*)::int FROM alert_channel_secrets), 2, 'the key and the webhook secret are stored');
SELECT is((SELECT min_severity FROM alert_channels WHERE name = 'env_webhook'), 'error', 'ALERT_MIN_SEVERITY applies');
SELECT throws_ok($$SELECT sync_env_alert_channels(NULL, 'SG.x', NULL, NULL, NULL, NULL)$$,
                 '22023', 'SENDGRID_API_KEY is set but ALERT_EMAIL_TO or ALERT_EMAIL_FROM is not',
                 'a SendGrid key without ALERT_EMAIL_TO/FROM');
SELECT throws_ok($$SELECT sync_env_alert_channels('not a url', NULL, NULL, NULL, NULL, NULL)$$,
                 '22023', 'malformed alert channel URL ''not a url''', 'a malformed SLACK_WEBHOOK_URL');
SELECT throws_ok($$SELECT sync_env_alert_channels(NULL, NULL, NULL, NULL, NULL, NULL, 'loud')$$,
                 '22023', 'ALERT_MIN_SEVERITY must be info, warning, error or critical, got ''loud''',
                 'an unknown ALERT_MIN_SEVERITY');

SELECT * FROM finish();
ROLLBACK;
