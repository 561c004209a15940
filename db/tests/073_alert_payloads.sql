-- Payloads built in SQL, one place for both senders: private.alert_request (per kind),
-- private.alert_message (ids always present), private.hmac_sha256 (RFC 4231 vectors) and
-- private.alert_severity_rank.
BEGIN;
SELECT plan(21);

SELECT is(private.hmac_sha256(decode(repeat('0b', 20), 'hex'), convert_to('Hi There', 'UTF8')),
          'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 'HMAC-SHA256: RFC 4231 case 1');
SELECT is(private.hmac_sha256(convert_to('Jefe', 'UTF8'), convert_to('what do ya want for nothing?', 'UTF8')),
          '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'HMAC-SHA256: RFC 4231 case 2');
SELECT is(private.hmac_sha256(decode(repeat('aa', 131), 'hex'),
                              convert_to('Test Using Larger Than Block-Size Key - Hash Key First', 'UTF8')),
          '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 'HMAC-SHA256: RFC 4231 case 6 (long key)');
SELECT is(ARRAY[private.alert_severity_rank('info'), private.alert_severity_rank('warning'), private.alert_severity_rank('error'),
                private.alert_severity_rank('critical')], ARRAY[1, 2, 3, 4], 'severity ranks in order');
SELECT is(private.alert_severity_rank('fatal'), NULL, 'an unknown severity has no rank');

SELECT add_alert_channel('s', 'slack', 'https://hooks.slack.com/services/A/B/C', NULL, 'info');
SELECT add_alert_channel('m', 'sendgrid', NULL, 'SG.abc', 'info', '{"to": ["x@example.com"], "from": "alerts@example.com"}');
SELECT add_alert_channel('w', 'webhook', 'https://example.com/w', 'whsec', 'info');
SELECT raise_alert('warning', 'budget.tier', 'Budget at 52%', 'hard cap tier', 'pay-1', '{"pct": 52}') AS alert_id \gset

CREATE TEMP TABLE req ON COMMIT DROP AS
SELECT c.name, private.alert_request(d.id) AS r, d.id AS delivery_id
FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id;

SELECT is((SELECT r #>> '{body,attachments,0,color}' FROM req WHERE name = 's'), 'warning', 'slack: warning colour');
SELECT is((SELECT r #>> '{body,attachments,0,footer}' FROM req WHERE name = 's'), 'Moose Mission Control', 'slack: footer');
SELECT is((SELECT jsonb_typeof(r #> '{body,attachments,0,ts}') FROM req WHERE name = 's'), 'number', 'slack: ts is a number');
SELECT ok((SELECT r #>> '{body,attachments,0,text}' FROM req WHERE name = 's') LIKE '%Budget at 52%alert #' || :alert_id || '%',
          'slack: the text has the title and the alert id');
SELECT is((SELECT r #>> '{headers,Authorization}' FROM req WHERE name = 'm'), 'Bearer SG.abc', 'sendgrid: bearer key');
SELECT is((SELECT r #> '{body,personalizations}' FROM req WHERE name = 'm'), '[{"to": [{"email": "x@example.com"}]}]'::jsonb,
          'sendgrid: personalizations');
SELECT is((SELECT r #>> '{body,subject}' FROM req WHERE name = 'm'), '[Moose] WARNING: Budget at 52%', 'sendgrid: subject');
SELECT is((SELECT r #>> '{body,custom_args,moose_alert_id}' FROM req WHERE name = 'm'), :'alert_id', 'sendgrid: alert id in custom_args');
SELECT is((SELECT r #>> '{body,alert_id}' FROM req WHERE name = 'w'), :'alert_id', 'webhook: alert id in the body');
SELECT is((SELECT (r #>> '{body,delivery_id}')::bigint = delivery_id FROM req WHERE name = 'w'), true, 'webhook: delivery id in the body');
SELECT is((SELECT r #>> '{headers,X-Moose-Signature}' FROM req WHERE name = 'w'),
          (SELECT 'sha256=' || private.hmac_sha256(convert_to('whsec', 'UTF8'), convert_to((r -> 'body')::text, 'UTF8')) FROM req WHERE name = 'w'),
          'webhook: X-Moose-Signature is the HMAC of body::text');
SELECT is((SELECT count(*)::int FROM req WHERE r #>> '{headers,Content-Type}' = 'application/json'
                                         AND r #>> '{headers,X-Moose-Alert-Id}' = :'alert_id'), 3,
          'every request is JSON and carries X-Moose-Alert-Id');
SELECT is((SELECT (r ->> 'timeout_ms')::int FROM req WHERE name = 'w'), 10000, 'timeout from alert_delivery_timeout');
SELECT is((SELECT private.alert_message(delivery_id) ->> 'type' FROM req WHERE name = 'w'), 'alert', 'alert_message type');
SELECT throws_ok($$SELECT private.alert_message(-1)$$, 'P0002', 'alert delivery -1 does not exist',
                 'alert_message of an unknown delivery');
SELECT is((SELECT r -> 'url' FROM req WHERE name = 'm'), '"https://api.sendgrid.com/v3/mail/send"'::jsonb, 'the URL comes along');

SELECT * FROM finish();
ROLLBACK;
