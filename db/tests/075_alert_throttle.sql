-- The per-channel throttle inside private.alert_claim: at most alert_throttle_limit first sends
-- per alert_throttle_window; the surplus is marked throttled (least severe first), attached to
-- one pending summary delivery due a window later, and nothing is dropped. Retries and
-- summaries are never throttled; other channels are not affected.
BEGIN;
SELECT plan(15);

SELECT update_config('alert_throttle_limit', '3');
SELECT update_config('alert_channel_max_in_flight', '100');
SELECT add_alert_channel('busy', 'webhook', 'https://example.com/busy', NULL, 'info');
SELECT add_alert_channel('calm', 'webhook', 'https://example.com/calm', NULL, 'critical');
SELECT raise_alert('warning', 'test.storm', 'storm ' || i, '', 'storm-' || i) FROM generate_series(1, 7) AS i;
SELECT raise_alert('critical', 'test.storm', 'the critical one', '', 'storm-crit') AS crit \gset

CREATE TEMP TABLE got ON COMMIT DROP AS SELECT * FROM private.alert_claim('t', 100, 'runner') AS c(id);
SELECT is((SELECT count(*)::int FROM got g JOIN alert_deliveries d ON d.id = g.id JOIN alert_channels c ON c.id = d.channel_id
           WHERE c.name = 'busy'), 3, 'three sends to the busy channel');
SELECT ok(EXISTS (SELECT 1 FROM got g JOIN alert_deliveries d ON d.id = g.id WHERE d.alert_id = :crit), 'the critical alert is among them');
SELECT is((SELECT count(*)::int FROM got g JOIN alert_deliveries d ON d.id = g.id JOIN alert_channels c ON c.id = d.channel_id
           WHERE c.name = 'calm'), 1, 'the other channel is not throttled by the busy one');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE status = 'throttled'), 5, 'five held back');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE is_summary), 1, 'one summary delivery');
SELECT is((SELECT count(DISTINCT summary_id)::int FROM alert_deliveries WHERE status = 'throttled'), 1, 'every held row points at it');
SELECT ok((SELECT next_attempt_at = now() + interval '1 minute' AND status = 'pending' FROM alert_deliveries WHERE is_summary),
          'the summary is due when the window has room');
SELECT is((SELECT private.alert_message(id) -> 'held_count' FROM alert_deliveries WHERE is_summary), '5'::jsonb,
          'the summary message counts the held alerts');
SELECT is((SELECT jsonb_array_length(private.alert_message(id) -> 'alert_ids') FROM alert_deliveries WHERE is_summary), 5,
          'and lists every held alert id');

SELECT raise_alert('error', 'test.storm', 'later in the storm', '', 'storm-late');
SELECT is((SELECT count(*)::int FROM private.alert_claim('t', 100, 'runner')), 0, 'a later alert in the window is held too: nothing sent');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE status = 'throttled'), 6, 'six held back');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE is_summary), 1, 'still one summary, which now lists six');

SELECT is((SELECT count(*)::int FROM (SELECT retry_alert_delivery(id) FROM alert_deliveries WHERE status = 'throttled') AS r), 6,
          'an operator can send every held alert on its own after all');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE is_summary), 0, 'the emptied summary is dropped, not sent empty');
UPDATE alert_deliveries SET status = 'delivered' WHERE status = 'pending';
UPDATE alert_deliveries SET status = 'pending', next_attempt_at = now()
WHERE id IN (SELECT id FROM got) AND channel_id = (SELECT id FROM alert_channels WHERE name = 'busy');
SELECT is((SELECT count(*)::int FROM private.alert_claim('t', 100, 'runner')), 3, 'retries are not throttled');

SELECT * FROM finish();
ROLLBACK;
