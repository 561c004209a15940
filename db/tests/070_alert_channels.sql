-- Alert channels: add_alert_channel, update_alert_channel, disable_alert_channel and the
-- alert_channels_validate trigger (private.alert_channels_validate): clear errors with stable
-- SQLSTATEs for unknown kinds, malformed URLs, unknown severities and bad options; nothing written.
BEGIN;
SELECT plan(37);

SELECT lives_ok($$SELECT add_alert_channel('ops-slack', 'slack', 'https://hooks.slack.com/services/T0/B0/X')$$,
                'add_alert_channel adds a slack channel');
SELECT is((SELECT min_severity || '/' || enabled || '/' || source FROM alert_channels WHERE name = 'ops-slack'),
          'warning/true/sql', 'defaults: min_severity warning, enabled, source sql');
SELECT lives_ok($$SELECT add_alert_channel('mail', 'sendgrid', NULL, 'SG.key', 'error',
                                           '{"to": "oncall@example.com", "from": "alerts@example.com"}')$$,
                'a sendgrid channel with one address and no URL');
SELECT is((SELECT url FROM alert_channels WHERE name = 'mail'), 'https://api.sendgrid.com/v3/mail/send',
          'the SendGrid URL defaults to v3 mail/send');
SELECT is((SELECT options -> 'to' FROM alert_channels WHERE name = 'mail'), '["oncall@example.com"]'::jsonb,
          'options.to is normalised to an array');
SELECT is((SELECT s.secret FROM alert_channel_secrets s JOIN alert_channels c ON c.id = s.channel_id WHERE c.name = 'mail'),
          'SG.key', 'the API key is stored in alert_channel_secrets');
SELECT lives_ok($$SELECT add_alert_channel('hook', 'webhook', 'http://127.0.0.1:8080/alerts?x=1', 'hmac-secret', 'info')$$,
                'a webhook on an IP, a port and a query string');
SELECT lives_ok($$SELECT add_alert_channel('hook6', 'webhook', 'https://[::1]:8443/a')$$, 'an IPv6 host');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'alert_channel.add'), 4, 'every add is audited');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'alert_channel.add' AND details::text LIKE '%SG.key%'), 0,
          'the audit row never holds the secret');

-- bad input
SELECT throws_ok($$SELECT add_alert_channel('x', 'teams', 'https://example.com/')$$, '22023',
                 'unknown alert channel kind ''teams''', 'unknown kind');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'example.com/hook')$$,
                 '22023', 'malformed alert channel URL ''example.com/hook''', 'URL without scheme');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'ftp://example.com/')$$,
                 '22023', 'malformed alert channel URL ''ftp://example.com/''', 'ftp URL');
SELECT throws_ok($$SELECT update_alert_channel('no-such-channel', p_secret => 'k', p_clear_secret => true)$$,
                 '22023', 'give either a new secret or p_clear_secret, not both',
                 'update: a new secret and p_clear_secret together is 22023 before the unknown channel is looked up');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https://exa mple.com/')$$,
                 '22023', 'malformed alert channel URL ''https://exa mple.com/''', 'URL with a space');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https:///path')$$,
                 '22023', 'malformed alert channel URL ''https:///path''', 'URL without host');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https://example.com/' || repeat('a', 3000))$$,
                 '22023', 'malformed alert channel URL ''https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa''',
                 'a huge URL');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', '')$$, '22023', 'malformed alert channel URL ''''', 'an empty URL');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https://example.com/', NULL, 'fatal')$$, '22023',
                 'alert channel min_severity must be info, warning, error or critical, got ''fatal''',
                 'severity not in the list');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', NULL)$$,
                 '22004', 'alert channel name, kind, url, min_severity and options must not be NULL', 'NULL URL');
SELECT throws_ok($$SELECT add_alert_channel(NULL, 'webhook', 'https://example.com/')$$,
                 '22004', 'alert channel name, kind, url, min_severity and options must not be NULL', 'NULL name');
SELECT throws_ok($$SELECT add_alert_channel('Bad Name', 'webhook', 'https://example.com/')$$,
                 '22023', 'alert channel name must be 1 to 63 lowercase letters, digits, _ or -, got ''Bad Name''', 'bad name');
SELECT throws_ok($$SELECT add_alert_channel('env_slack', 'slack', 'https://example.com/')$$,
                 '22023', 'alert channel names starting with env_ are reserved for channels from the runner''s environment',
                 'env_ names are reserved for the environment');
SELECT throws_ok($$SELECT add_alert_channel('hook', 'webhook', 'https://example.com/')$$,
                 '23505', 'alert channel ''hook'' already exists', 'duplicate name');
SELECT throws_ok($$SELECT add_alert_channel('x', 'sendgrid', NULL, NULL, 'error', '{"to": ["a@b.co"], "from": "c@d.co"}')$$,
                 '22004', 'a sendgrid channel needs its API key as p_secret', 'sendgrid without an API key');
SELECT throws_ok($$SELECT add_alert_channel('x', 'sendgrid', NULL, 'k', 'error', '{"from": "c@d.co"}')$$,
                 '22023', 'a sendgrid channel needs options.to: one address or an array of 1 to 50 addresses',
                 'sendgrid without options.to');
SELECT throws_ok($$SELECT add_alert_channel('x', 'sendgrid', NULL, 'k', 'error', '{"to": ["not-an-address"], "from": "c@d.co"}')$$,
                 '22023', 'malformed e-mail address "not-an-address" in options.to', 'sendgrid with a malformed address');
SELECT throws_ok($$SELECT add_alert_channel('x', 'sendgrid', NULL, 'k', 'error', '{"to": [42], "from": "c@d.co"}')$$,
                 '22023', 'malformed e-mail address 42 in options.to', 'sendgrid with a number as address');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https://example.com/', NULL, 'info', '[]')$$,
                 '22023', 'alert channel options must be a JSON object, got array', 'options must be an object');
SELECT throws_ok($$SELECT add_alert_channel('x', 'slack', 'https://example.com/', 'secret')$$,
                 '22023', 'a slack channel takes no secret: its webhook URL is the credential', 'slack takes no secret');
SELECT throws_ok($$SELECT add_alert_channel('x', 'webhook', 'https://example.com/', '')$$,
                 '22023', 'alert channel secret must be 1 to 4000 characters, got 0', 'empty secret');
SELECT is((SELECT count(*)::int FROM alert_channels), 4, 'no refused channel was written');
SELECT throws_ok($$UPDATE alert_channels SET kind = 'pager' WHERE name = 'hook'$$,
                 '22023', 'unknown alert channel kind ''pager''',
                 'a DBA''s direct UPDATE is held to the same rules by the trigger');

-- update and disable
SELECT is((update_alert_channel('hook', p_min_severity => 'error', p_clear_secret => true)) ->> 'min_severity', 'error',
          'update_alert_channel changes only what is given');
SELECT ok(NOT EXISTS (SELECT 1 FROM alert_channel_secrets s JOIN alert_channels c ON c.id = s.channel_id WHERE c.name = 'hook')
          AND (SELECT url FROM alert_channels WHERE name = 'hook') = 'http://127.0.0.1:8080/alerts?x=1',
          'p_clear_secret removed the secret, the URL is unchanged');
SELECT throws_ok($$SELECT update_alert_channel('nope', p_enabled => false)$$, 'P0002', 'unknown alert channel ''nope''',
                 'update of an unknown channel');
SELECT is(ARRAY[disable_alert_channel('hook'), disable_alert_channel('hook')], ARRAY[true, false],
          'disable_alert_channel says whether it was enabled; repeating is harmless');

SELECT * FROM finish();
ROLLBACK;
