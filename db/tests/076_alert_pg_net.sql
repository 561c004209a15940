-- The pg_net path: dispatch_alerts and reconcile_alert_deliveries say clearly when pg_net is
-- missing (private.pg_net_installed), and against the stand-in net schema (pg_net's exact
-- signatures, tests/sql/pg_net_standin.sql, loaded inside this transaction) queue the same
-- requests the runner would send and settle them from net._http_response.
BEGIN;
SELECT plan(13);

SELECT is(private.pg_net_installed(), false, 'no pg_net on this server');
SELECT throws_ok($$SELECT dispatch_alerts()$$, '55000', NULL, 'dispatch_alerts without pg_net: 55000');
SELECT throws_ok($$SELECT reconcile_alert_deliveries()$$, '55000', NULL, 'reconcile_alert_deliveries without pg_net: 55000');

\ir ../../tests/sql/pg_net_standin.sql

SELECT is(private.pg_net_installed(), true, 'the stand-in has pg_net''s interface');
SELECT throws_ok($$SELECT dispatch_alerts(0)$$, '22023', NULL, 'dispatch limit 0');
SELECT throws_ok($$SELECT dispatch_alerts(NULL)$$, '22004', NULL, 'dispatch limit NULL');

SELECT update_config('alert_retry_base', '"0 seconds"');
SELECT add_alert_channel('hook', 'webhook', 'https://example.com/hook', 'k', 'info');
SELECT raise_alert('error', 'test.pgnet', 'over pg_net', '', 'pgnet-1') AS alert_id \gset

SELECT is(dispatch_alerts(), 1, 'one request handed to net.http_post');
SELECT is((SELECT q.url || ' ' || (q.headers ->> 'X-Moose-Alert-Id') FROM net.http_request_queue q
           JOIN alert_deliveries d ON d.net_request_id = q.id), 'https://example.com/hook ' || :alert_id,
          'the queued request is the runner''s request, linked by net_request_id');
SELECT is((SELECT convert_from(q.body, 'UTF8') FROM net.http_request_queue q),
          (SELECT (private.alert_request(d.id) -> 'body')::text FROM alert_deliveries d),
          'pg_net sends body::text, the bytes the signature covers');

INSERT INTO net._http_response (id, status_code, content, timed_out)
SELECT net_request_id, 500, 'boom', false FROM alert_deliveries;
SELECT is(reconcile_alert_deliveries() ->> 'retry', '1', 'a 500 from pg_net: retry');
SELECT is(dispatch_alerts(), 1, 'dispatched again with a new request');
INSERT INTO net._http_response (id, status_code, content, timed_out)
SELECT net_request_id, 200, 'ok', false FROM alert_deliveries;
SELECT is(reconcile_alert_deliveries() ->> 'delivered', '1', 'a 200 from pg_net: delivered');
SELECT is((SELECT status || '/' || attempts || '/' || last_status_code FROM alert_deliveries), 'delivered/2/200',
          'delivered after two attempts');

SELECT * FROM finish();
ROLLBACK;
