-- backup_config / restore_config (runbook 6.1) and private.upsert_json_row: the document's shape,
-- a round trip, all-or-nothing restore with the failing entry named, dry runs, roles.
BEGIN;
SELECT plan(19);

DELETE FROM public.alert_channels;
SELECT public.add_alert_channel('pager', 'webhook', 'http://127.0.0.1:9/pager', 'hmac-secret', 'error');
SELECT backup_config() AS doc \gset
SELECT is((:'doc'::jsonb) ->> 'format', 'moose-config', 'a backup says what it is');
SELECT is((:'doc'::jsonb) -> 'system_config' -> 'daily_budget_limit', '100'::jsonb, 'it holds config values');
SELECT is(jsonb_array_length((:'doc'::jsonb) -> 'escalation_policies'), (SELECT count(*)::integer FROM public.escalation_policies),
          'and every escalation policy');

SELECT is((:'doc'::jsonb) -> 'alert_channels' -> 0 ->> 'secret', 'hmac-secret', 'and channels with their secrets');

UPDATE public.system_config SET value = '250' WHERE key = 'daily_budget_limit';
UPDATE public.escalation_policies SET sla = '5 hours' WHERE trigger_type = 'test_failures';
DELETE FROM public.alert_channels;
SELECT is(public.restore_config(:'doc'::jsonb) ->> 'restored', 'true', 'a backup restores');
SELECT is((SELECT c.url || ' ' || c.min_severity || ' ' || s.secret FROM public.alert_channels AS c
           JOIN public.alert_channel_secrets AS s ON s.channel_id = c.id WHERE c.name = 'pager'),
          'http://127.0.0.1:9/pager error hmac-secret', 'channels and secrets come back');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '100'::jsonb, 'config values come back');
SELECT is((SELECT sla FROM public.escalation_policies WHERE trigger_type = 'test_failures'), '04:00:00'::interval,
          'policies come back');
SELECT is((SELECT action FROM public.audit_log ORDER BY id DESC LIMIT 1), 'config.restore', 'a restore is audited');

UPDATE public.system_config SET value = '250' WHERE key = 'daily_budget_limit';
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)',
                        jsonb_set(jsonb_set(:'doc'::jsonb, '{system_config,daily_budget_limit}', '100'),
                                  '{system_config,tier_warning_pct}', '"lots"')),
                 '22023', 'restore refused at system_config.tier_warning_pct: config "tier_warning_pct" must be a JSON number, got "lots"',
                 'a value of the wrong type refuses the restore');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '250'::jsonb,
          'and nothing of it was written (all or nothing)');
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)', jsonb_set(:'doc'::jsonb, '{system_config,no_such_key}', '1')),
                 '22023', 'restore refused at system_config.no_such_key: unknown configuration key ''no_such_key''',
                 'an unknown key refuses the restore');
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)',
                        jsonb_set(:'doc'::jsonb, '{escalation_policies,0,priority}', '"urgent"')),
                 '22023', 'restore refused at escalation_policies.aider_failure: new row for relation "escalation_policies" '
                          'violates check constraint "escalation_policies_priority_check"',
                 'a policy breaking a constraint refuses the restore');
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)',
                        jsonb_set(:'doc'::jsonb, '{escalation_policies,0,colour}', '"red"')),
                 '22023', 'restore refused at escalation_policies.aider_failure: unknown field(s) in escalation_policies entry: colour',
                 'private.upsert_json_row: an unknown field refuses the restore');
SELECT throws_ok($$SELECT public.restore_config('{"format": "other"}')$$,
                 '22023', 'not a moose configuration backup (format moose-config, version 1)', 'not a backup: 22023');
SELECT throws_ok($$SELECT public.restore_config(NULL)$$, '22004', 'the backup document and p_dry_run must not be NULL',
                 'NULL: 22004');
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)',
                        jsonb_set(:'doc'::jsonb, '{alert_channels,0,url}', '"ftp://nope"')),
                 '22023', 'restore refused at alert_channels.pager: malformed alert channel URL ''ftp://nope''',
                 'a channel the channel rules refuse refuses the restore');
SELECT is(public.restore_config(:'doc'::jsonb, true) ->> 'dry_run', 'true', 'a dry run validates');

SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.backup_config()$$,
                 '42501', 'permission denied for function backup_config',
                 'authenticated may not read the backup (it holds channel secrets)');

SELECT * FROM finish();
ROLLBACK;
