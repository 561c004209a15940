-- The runner's verbs: claim_alert_deliveries (lease, in-flight cap, SKIP LOCKED claim),
-- record_alert_delivery_result and private.alert_delivery_settle (delivered / retry with
-- backoff / failed plus one channel alert / stale), retry_alert_delivery, test_alert_channel,
-- alert_delivery_settings and the alert_delivery_overview view. Inside one transaction now()
-- is fixed, so a zero backoff makes a retried row due again at once.
BEGIN;
SELECT plan(31);

SELECT update_config('alert_retry_base', '"0 seconds"');
SELECT update_config('alert_max_attempts', '2');
SELECT add_alert_channel('hook', 'webhook', 'https://example.com/hook', NULL, 'info');
SELECT add_alert_channel('pager', 'webhook', 'https://example.com/pager', NULL, 'error');
SELECT raise_alert('warning', 'test.claim', 'one', '', 'c-1') AS a1 \gset
SELECT raise_alert('warning', 'test.claim', 'two', '', 'c-2') AS a2 \gset
SELECT raise_alert('warning', 'test.claim', 'three', '', 'c-3') AS a3 \gset

CREATE TEMP TABLE claimed ON COMMIT DROP AS SELECT * FROM claim_alert_deliveries('runner-a', 10);
SELECT is((SELECT count(*)::int FROM claimed), 2, 'at most alert_channel_max_in_flight (2) rows per channel are claimed');
SELECT is((SELECT array_agg(attempt) FROM claimed), ARRAY[1, 1], 'first attempts');
SELECT is((SELECT array_agg(DISTINCT status || '/' || claimed_by || '/' || via) FROM alert_deliveries WHERE id IN (SELECT delivery_id FROM claimed)),
          ARRAY['sending/runner-a/runner'], 'claimed rows are sending, with the claimer recorded');
SELECT ok((SELECT bool_and(next_attempt_at = now() + interval '2 minutes') FROM alert_deliveries WHERE status = 'sending'),
          'the lease is alert_delivery_lease from now');
SELECT is((SELECT count(*)::int FROM claim_alert_deliveries('runner-b', 10)), 0, 'a second claimer gets nothing while two are in flight');
SELECT is((SELECT (body::jsonb ->> 'alert_id')::bigint FROM claimed ORDER BY delivery_id LIMIT 1), :a1::bigint,
          'the body is the JSON text to POST');

SELECT is(record_alert_delivery_result((SELECT min(delivery_id) FROM claimed), 1, 204), 'delivered', '2xx: delivered');
SELECT is(record_alert_delivery_result((SELECT min(delivery_id) FROM claimed), 1, 200), 'stale', 'a second report is stale, nothing changes');
SELECT is(record_alert_delivery_result((SELECT max(delivery_id) FROM claimed), 7, 200), 'stale', 'a report for another attempt is stale');
SELECT is(record_alert_delivery_result((SELECT max(delivery_id) FROM claimed), 1, 500), 'retry', '500 before max attempts: retry');
SELECT is((SELECT status || '/' || attempts || '/' || last_error FROM alert_deliveries WHERE id = (SELECT max(delivery_id) FROM claimed)),
          'pending/1/HTTP 500', 'pending again with the error kept');

SELECT is((SELECT array_agg(attempt ORDER BY delivery_id) FROM claim_alert_deliveries('runner-a', 10)), ARRAY[2, 1],
          'the retry (attempt 2) and the third alert are claimed next');
SELECT is(record_alert_delivery_result((SELECT max(delivery_id) FROM claimed), 2, NULL, 'timeout after 10 s'), 'failed',
          'a transport error at max attempts: failed');
SELECT is((SELECT count(*)::int FROM alerts WHERE kind = 'alert.channel_failed' AND context ->> 'channel' = 'hook'), 1,
          'one alert about the failing channel');
SELECT is((SELECT array_agg(c.name) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           JOIN alerts a ON a.id = d.alert_id WHERE a.kind = 'alert.channel_failed'), ARRAY['pager'],
          'it goes to the other channels, not to the failing one');
SELECT is((SELECT severity FROM alerts WHERE kind = 'alert.channel_failed'), 'error', 'escalation-worthy severity');

-- bad input
SELECT throws_ok($$SELECT record_alert_delivery_result(NULL, 1, 200)$$, '22004', 'delivery id and attempt are required',
                 'NULL delivery id');
SELECT throws_ok($$SELECT record_alert_delivery_result(1, 1, NULL, NULL)$$,
                 '22004', 'give the HTTP status code, or the error when no response came', 'neither status nor error');
SELECT throws_ok($$SELECT record_alert_delivery_result(1, 1, 999)$$,
                 '22023', 'HTTP status code must be between 100 and 599, got 999', 'status code out of range');
SELECT throws_ok($$SELECT record_alert_delivery_result(1, 1, -1)$$,
                 '22023', 'HTTP status code must be between 100 and 599, got -1', 'negative status code');
SELECT throws_ok($$SELECT record_alert_delivery_result(9999999, 1, 200)$$, 'P0002', 'alert delivery 9999999 does not exist',
                 'unknown delivery');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries('x', 0)$$, '22023', 'claim limit must be between 1 and 1000, got 0',
                 'claim limit 0');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries('x', 2147483647)$$,
                 '22023', 'claim limit must be between 1 and 1000, got 2147483647', 'huge claim limit');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries(NULL, 1)$$,
                 '22004', 'claim_alert_deliveries needs a worker name and a limit', 'NULL worker');

-- retry, test, settings, overview
SELECT is(retry_alert_delivery((SELECT max(delivery_id) FROM claimed)), 'pending', 'retry_alert_delivery re-queues a failed row');
SELECT is((SELECT attempts FROM alert_deliveries WHERE id = (SELECT max(delivery_id) FROM claimed)), 0, 'with a fresh attempt count');
SELECT throws_ok(format('SELECT retry_alert_delivery(%s)', (SELECT min(delivery_id) FROM claimed)), '55000',
                 format('alert delivery %s is delivered, only failed or throttled deliveries can be retried', (SELECT min(delivery_id) FROM claimed)),
                 'a delivered row cannot be retried');
SELECT throws_ok($$SELECT retry_alert_delivery(-5)$$, 'P0002', 'alert delivery -5 does not exist', 'retry of an unknown delivery');
SELECT test_alert_channel('pager') AS test_delivery \gset
SELECT is((SELECT c.name || '/' || d.status FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
           WHERE d.id = :test_delivery), 'pager/pending', 'test_alert_channel queues a delivery to that channel');
SELECT is((SELECT (alert_delivery_settings() ->> 'lease_s')::numeric), 120::numeric, 'alert_delivery_settings reports the lease');
SELECT is((SELECT status FROM alert_delivery_overview WHERE delivery_id = (SELECT min(delivery_id) FROM claimed)), 'delivered',
          'alert_delivery_overview shows each delivery''s status');

SELECT * FROM finish();
ROLLBACK;
