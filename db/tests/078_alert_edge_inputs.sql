-- Edge inputs around alert delivery: the config keys of migration 0030 refuse wrong types and
-- out-of-range values; the runner's verbs refuse empty, huge and negative arguments; summaries
-- render for every channel kind; a SendGrid channel that lost its key still yields a request
-- (which the receiver refuses and the backoff handles) instead of a NULL header.
BEGIN;
SELECT plan(17);

SELECT throws_ok($$SELECT update_config('alert_throttle_limit', '0')$$,
                 '22023', 'config "alert_throttle_limit" = 0 is out of range [1, 100000]', 'throttle limit 0');
SELECT throws_ok($$SELECT update_config('alert_throttle_limit', '1e400')$$, '22023',
                 'config "alert_throttle_limit" = 1' || repeat('0', 400) || ' is out of range [1, 100000]',
                 'a huge throttle limit');
SELECT throws_ok($$SELECT update_config('alert_max_attempts', '2.5')$$,
                 '22023', 'config "alert_max_attempts" must be a whole number, got 2.5', 'fractional attempts');
SELECT throws_ok($$SELECT update_config('alert_max_attempts', '-1')$$,
                 '22023', 'config "alert_max_attempts" = -1 is out of range [1, 100]', 'negative attempts');
SELECT throws_ok($$SELECT update_config('alert_retry_base', '"soon"')$$,
                 '22023', 'config "alert_retry_base" is not a valid interval: soon', 'an interval that is not one');
SELECT throws_ok($$SELECT update_config('alert_retry_base', '5')$$,
                 '22023', 'config "alert_retry_base" must be an interval as a JSON string, got 5', 'an interval as a number');
SELECT throws_ok($$SELECT update_config('alert_delivery_timeout', '"1 day"')$$,
                 '22023', 'config "alert_delivery_timeout" = 1 day is out of range [0.1, 300]', 'a timeout over 300 s');
SELECT throws_ok($$SELECT update_config('alert_poll_interval', '"0 seconds"')$$,
                 '22023', 'config "alert_poll_interval" = 0 seconds is out of range [0.05, 3600]', 'a zero poll interval');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries('', 1)$$, '22023', 'worker name must be 1 to 200 characters, got 0',
                 'an empty worker name');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries(repeat('w', 500), 1)$$,
                 '22023', 'worker name must be 1 to 200 characters, got 500', 'a huge worker name');
SELECT throws_ok($$SELECT * FROM claim_alert_deliveries('w', -3)$$, '22023', 'claim limit must be between 1 and 1000, got -3',
                 'a negative claim limit');
SELECT throws_ok($$SELECT record_alert_delivery_result(1, 1, NULL, repeat('e', 20000))$$,
                 '22023', 'error text must be at most 10000 characters, got 20000', 'a huge error text');
SELECT throws_ok($$SELECT retry_alert_delivery(NULL)$$, '22004', 'delivery id is required', 'retry of NULL');

-- summaries for each kind; a lost SendGrid key
SELECT update_config('alert_throttle_limit', '1');
SELECT add_alert_channel('s', 'slack', 'https://hooks.slack.com/services/A/B/C', NULL, 'info');
SELECT add_alert_channel('m', 'sendgrid', NULL, 'SG.k', 'info', '{"to": ["x@example.com"], "from": "a@example.com"}');
SELECT raise_alert('warning', 'test.edge', 'edge ' || i, '', 'edge-' || i) FROM generate_series(1, 3) AS i;
SELECT count(*) FROM private.alert_claim('t', 100, 'runner');
SELECT is((SELECT count(*)::int FROM alert_deliveries WHERE is_summary), 2, 'one summary per channel');
SELECT ok((SELECT bool_and(private.alert_request(id) #>> '{body,attachments,0,text}' LIKE '%2 alert(s) held back on channel s%')
           FROM alert_deliveries d WHERE is_summary AND channel_id = (SELECT id FROM alert_channels WHERE name = 's')),
          'the slack summary says what was held back');
DELETE FROM alert_channel_secrets;
SELECT is((SELECT private.alert_request(d.id) #>> '{headers,Authorization}' FROM alert_deliveries d
           WHERE is_summary AND channel_id = (SELECT id FROM alert_channels WHERE name = 'm')), 'Bearer ',
          'a SendGrid channel without its key still yields a request (the receiver refuses it)');
SELECT is((SELECT private.alert_request(d.id) #>> '{body,subject}' FROM alert_deliveries d
           WHERE is_summary AND channel_id = (SELECT id FROM alert_channels WHERE name = 'm')),
          '[Moose] WARNING: 2 alert(s) held back on channel m (throttle: 1 per 00:01:00)', 'the SendGrid summary subject');

SELECT * FROM finish();
ROLLBACK;
