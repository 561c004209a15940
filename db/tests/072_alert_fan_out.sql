-- The alerts_fan_out trigger (private.alerts_fan_out): one pending delivery per enabled channel
-- whose min_severity the alert reaches, in the raiser's transaction; a deduplicated repeat adds
-- none; only_channel / exclude_channel route tests and channel-failure alerts.
BEGIN;
SELECT plan(10);

SELECT add_alert_channel('all', 'webhook', 'https://example.com/all', NULL, 'info');
SELECT add_alert_channel('errors', 'webhook', 'https://example.com/errors', NULL, 'error');
SELECT add_alert_channel('off', 'webhook', 'https://example.com/off', NULL, 'info');
SELECT disable_alert_channel('off');

SELECT raise_alert('warning', 'test.fan', 'a warning', '', 'fan-1') AS warning_id \gset
SELECT is((SELECT array_agg(c.name ORDER BY c.name) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           WHERE d.alert_id = :warning_id), ARRAY['all'], 'a warning goes to the info channel only');
SELECT raise_alert('critical', 'test.fan', 'a critical', '', 'fan-2') AS critical_id \gset
SELECT is((SELECT array_agg(c.name ORDER BY c.name) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           WHERE d.alert_id = :critical_id), ARRAY['all', 'errors'], 'a critical goes to both enabled channels, not the disabled one');
SELECT is((SELECT array_agg(DISTINCT status || '/' || attempts) FROM alert_deliveries), ARRAY['pending/0'],
          'new deliveries are pending with no attempt');
SELECT ok((SELECT bool_and(next_attempt_at <= now()) FROM alert_deliveries), 'and due at once');

SELECT is(raise_alert('warning', 'test.fan', 'a warning again', '', 'fan-1'), :warning_id::bigint, 'a repeat is deduplicated');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE alert_id = :warning_id), 1, 'and fans out no second time');

SELECT raise_alert('info', 'test.fan', 'routed', '', 'fan-3', '{"only_channel": "errors"}') AS only_id \gset
SELECT is((SELECT array_agg(c.name) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           WHERE d.alert_id = :only_id), ARRAY['errors'], 'only_channel overrides min_severity and targets one channel');
SELECT raise_alert('critical', 'alert.channel_failed', 'errors is failing', '', 'fan-4', '{"exclude_channel": "errors"}') AS ex_id \gset
SELECT is((SELECT array_agg(c.name) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           WHERE d.alert_id = :ex_id), ARRAY['all'], 'exclude_channel keeps an alert off the failing channel');

SET LOCAL ROLE service_role;
INSERT INTO alerts (severity, kind, title, dedupe_key) VALUES ('error', 'test.direct', 'direct insert', 'fan-5');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.dedupe_key = 'fan-5'), 2,
          'a direct INSERT by service_role fans out too (trigger is SECURITY DEFINER)');
SELECT has_trigger('public', 'alerts', 'alerts_fan_out', 'trigger alerts_fan_out exists on alerts');

SELECT * FROM finish();
ROLLBACK;
