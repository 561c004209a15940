-- The pg_net path's SQL rules against pg_net's real tables, inside this transaction: pg_net's
-- worker never sees the requests queued here (uncommitted, then rolled back), so the test writes
-- net._http_response itself and checks how reconcile_alert_deliveries settles each case. The
-- worker end to end (a real receiver) is tests/test_alert_pg_net.py. Without pg_net on the
-- server only the 55000 answers are checked.
BEGIN;
SELECT plan(23);

SELECT private.pg_net_installed() AS has_pg_net \gset
\if :has_pg_net

SELECT is((SELECT count(*) FROM unnest(ARRAY['anon', 'authenticated', 'service_role', 'moose_runner']) AS r(role)
           WHERE has_table_privilege(r.role, 'net.http_request_queue', 'SELECT')
              OR has_table_privilege(r.role, 'net._http_response', 'INSERT')
              OR has_table_privilege(r.role, 'net._http_response', 'DELETE')),
          0::bigint, 'no API role reads pg_net''s queue (secrets in headers) or writes its responses');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM net.http_request_queue$$), 'ERROR 42501',
          'anon cannot read queued requests');
SELECT throws_ok($$SELECT dispatch_alerts(0)$$, '22023', 'dispatch limit must be between 1 and 1000, got 0', 'dispatch limit 0');
SELECT throws_ok($$SELECT dispatch_alerts(NULL)$$, '22004', 'dispatch limit must not be NULL', 'dispatch limit NULL');

SELECT update_config('alert_retry_base', '"0 seconds"');
SELECT add_alert_channel('hook', 'webhook', 'https://example.com/hook', 'k', 'info');
SELECT raise_alert('error', 'test.pgnet', 'over pg_net', '', 'pgnet-1') AS alert_id \gset

SELECT is(dispatch_alerts(), 1, 'one request handed to net.http_post');
SELECT is((SELECT q.method || ' ' || q.url || ' ' || (q.headers ->> 'X-Moose-Alert-Id') || ' ' || q.timeout_milliseconds
           FROM net.http_request_queue AS q JOIN alert_deliveries AS d ON d.net_request_id = q.id),
          'POST https://example.com/hook ' || :alert_id || ' 10000',
          'the queued request is the runner''s request, linked by net_request_id, with the delivery timeout');
SELECT is((SELECT convert_from(q.body, 'UTF8') FROM net.http_request_queue AS q
           JOIN alert_deliveries AS d ON d.net_request_id = q.id),
          (SELECT (private.alert_request(d.id) -> 'body')::text FROM alert_deliveries AS d),
          'pg_net sends body::text, the bytes the signature covers');
SELECT is(reconcile_alert_deliveries() ->> 'waiting', '1', 'no response yet, lease running: waiting');

INSERT INTO net._http_response (id, status_code, content, timed_out)
SELECT net_request_id, 200, 'ok', false FROM alert_deliveries;
UPDATE net._http_response SET created = now() - interval '1 minute';
SELECT is(reconcile_alert_deliveries() ->> 'waiting', '1', 'a response older than the attempt is not its answer');

UPDATE net._http_response SET created = now(), status_code = 500;
SELECT is(reconcile_alert_deliveries() ->> 'retry', '1', 'a 500 from pg_net: retry');
SELECT is(dispatch_alerts(), 1, 'dispatched again with a new request');
INSERT INTO net._http_response (id, status_code, content, timed_out)
SELECT net_request_id, 200, 'ok', false FROM alert_deliveries;
SELECT is(reconcile_alert_deliveries() ->> 'delivered', '1', 'a 200 from pg_net: delivered');
SELECT is((SELECT status || '/' || attempts || '/' || last_status_code FROM alert_deliveries), 'delivered/2/200',
          'delivered after two attempts');

-- Lease over, the request still in pg_net's queue (worker down or behind): taken out, retried.
SELECT raise_alert('error', 'test.pgnet', 'queued too long', '', 'pgnet-2') AS queued_id \gset
SELECT is(dispatch_alerts(), 1, 'a second alert queued');
UPDATE alert_deliveries SET next_attempt_at = now() - interval '1 second' WHERE alert_id = :queued_id;
SELECT is(reconcile_alert_deliveries() ->> 'retry', '1', 'lease over, still queued: retry');
SELECT is((SELECT count(*) FROM net.http_request_queue AS q JOIN alert_deliveries AS d ON d.net_request_id = q.id
           WHERE d.alert_id = :queued_id), 0::bigint, 'and taken out of pg_net''s queue, so it is never sent twice');
SELECT is((SELECT status || ': ' || last_error FROM alert_deliveries WHERE alert_id = :queued_id),
          'pending: pg_net had not sent request ' || (SELECT net_request_id FROM alert_deliveries WHERE alert_id = :queued_id)
          || ' when the lease expired (taken out of its queue)', 'the error says so');

-- Lease over, no response and nothing queued (the response was deleted, or pg_net.ttl purged it).
SELECT is(dispatch_alerts(), 1, 'sent again');
DELETE FROM net.http_request_queue;
UPDATE alert_deliveries SET next_attempt_at = now() - interval '1 second' WHERE alert_id = :queued_id;
SELECT is(reconcile_alert_deliveries() ->> 'retry', '1', 'response gone after the lease: retry, not stuck in sending');

-- pg_net's tables and sequence reset (crash recovery): an id beyond what was issued is lost at once.
SELECT is(dispatch_alerts(), 1, 'sent a third time');
UPDATE alert_deliveries
SET net_request_id = (SELECT last_value + 1000 FROM net.http_request_queue_id_seq)
WHERE alert_id = :queued_id;
SELECT is(reconcile_alert_deliveries() ->> 'retry', '1', 'a request id pg_net never issued: lost, retry before the lease ends');

DROP EXTENSION pg_net;  -- rolled back with the rest
\else
SELECT skip('pg_net is not installed on this server', 21);
\endif

SELECT throws_ok($$SELECT dispatch_alerts()$$, '55000', 'pg_net is not installed (net.http_post or net._http_response not found)',
                 'dispatch_alerts without pg_net: 55000');
SELECT throws_ok($$SELECT reconcile_alert_deliveries()$$,
                 '55000', 'pg_net is not installed (net.http_post or net._http_response not found)',
                 'reconcile_alert_deliveries without pg_net: 55000');

SELECT * FROM finish();
ROLLBACK;
