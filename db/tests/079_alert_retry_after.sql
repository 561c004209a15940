-- A receiver's Retry-After (Slack's 429 sends one): the runner passes the header as received,
-- private.retry_after_interval reads it (delay-seconds or an HTTP-date), and the retry waits at
-- least that long, up to alert_retry_cap; an absent or unreadable header leaves the backoff
-- alone. Inside one transaction now() is fixed, so next_attempt_at - now() is the exact wait.
BEGIN;
SELECT plan(16);

-- The header rule.
SELECT is(private.retry_after_interval('120'), interval '120 seconds', 'delay-seconds');
SELECT is(private.retry_after_interval(' 0 '), interval '0', 'zero, with blanks around it');
SELECT is(private.retry_after_interval('Thu, 26 Nov 2026 12:01:30 GMT', '2026-11-26 12:00:00Z'), interval '90 seconds',
          'an HTTP-date is the time left until it');
SELECT is(private.retry_after_interval('Thu, 26 Nov 2026 11:00:00 GMT', '2026-11-26 12:00:00Z'), interval '0',
          'an HTTP-date in the past means now');
SELECT is(private.retry_after_interval('99999999999'), interval '365 days', 'at most a year');
SELECT is((SELECT count(*)::int FROM unnest(ARRAY[NULL, '', 'soon', '-5', '1.5', 'Thu, 99 Foo 2026 12:00:00 GMT',
                                                  'Sunday, 06-Nov-94 08:49:37 GMT', repeat('9', 100000)]) AS v
           WHERE private.retry_after_interval(v) IS NULL), 8,
          'absent, blank, words, negative, fractional, impossible or obsolete dates and huge values are unreadable: NULL');

-- Through the runner's report.
SELECT update_config('alert_retry_base', '"0 seconds"');
SELECT update_config('alert_retry_cap', '"15 minutes"');
SELECT add_alert_channel('slack-like', 'webhook', 'https://example.com/slack', NULL, 'info');
SELECT raise_alert('warning', 'test.retry_after', 'one', '', 'ra-1');
CREATE TEMP TABLE claimed AS SELECT * FROM claim_alert_deliveries('runner-a', 10);
CREATE TEMP TABLE d AS SELECT delivery_id AS id FROM claimed;

SELECT is(record_alert_delivery_result((SELECT id FROM d), 1, 429, NULL, '120'), 'retry', '429 with Retry-After: retry');
SELECT is((SELECT next_attempt_at - now() FROM alert_deliveries WHERE id = (SELECT id FROM d)), interval '120 seconds',
          'not before the 120 s the receiver asked for (the backoff alone would be 0 s)');

UPDATE alert_deliveries SET next_attempt_at = now() WHERE id = (SELECT id FROM d);
SELECT is((SELECT attempt FROM claim_alert_deliveries('runner-a', 10)), 2, 'claimed again for attempt 2');
SELECT is(record_alert_delivery_result((SELECT id FROM d), 2, 503, NULL, '86400'), 'retry', '503 asking for a day: retry');
SELECT is((SELECT next_attempt_at - now() FROM alert_deliveries WHERE id = (SELECT id FROM d)), interval '15 minutes',
          'a day-long Retry-After is capped at alert_retry_cap');

UPDATE alert_deliveries SET next_attempt_at = now() WHERE id = (SELECT id FROM d);
SELECT is((SELECT attempt FROM claim_alert_deliveries('runner-a', 10)), 3, 'claimed again for attempt 3');
SELECT is(record_alert_delivery_result((SELECT id FROM d), 3, 429, NULL, 'whenever'), 'retry',
          'an unreadable Retry-After still records the attempt');
SELECT is((SELECT next_attempt_at - now() FROM alert_deliveries WHERE id = (SELECT id FROM d)), interval '0',
          'and the backoff alone decides');
SELECT is((SELECT last_status_code FROM alert_deliveries WHERE id = (SELECT id FROM d)), 429, 'the status is kept');
SELECT is((SELECT status || '/' || attempts FROM alert_deliveries WHERE id = (SELECT id FROM d)), 'pending/3',
          'pending for attempt 4');

SELECT * FROM finish();
ROLLBACK;
