-- system_config: the runbook's seeded defaults; values of the wrong type or range refused with
-- 22023 for every value_type (the trigger private.system_config_validate); type and range fixed
-- outside migrations; every change audited with its actor (private.system_config_audit);
-- update_config's own bad inputs.
BEGIN;
SELECT plan(60);

-- Seeded defaults (runbook 1.3, 1.4, 3.1, 6.2) -------------------------------------------------
SELECT is(private.config_numeric('daily_budget_limit'), 100::numeric, 'daily budget limit defaults to 100');
SELECT is(private.config_numeric('tier_warning_pct'), 20::numeric, 'warning tier from 20%');
SELECT is(private.config_numeric('tier_hard_cap_pct'), 50::numeric, 'hard-cap tier from 50%');
SELECT is(private.config_numeric('tier_critical_pct'), 80::numeric, 'critical tier from 80%');
SELECT is(private.config_numeric('tier_emergency_kill_pct'), 100::numeric, 'emergency kill at 100%');
SELECT is(private.config_interval('stuck_pending_after'), interval '2 hours', 'pending is stuck after 2 hours');
SELECT is(private.config_interval('stuck_in_progress_after'), interval '24 hours', 'in progress is stuck after 24 hours');
SELECT is(private.config_numeric('max_refinement_attempts'), 3::numeric, 'at most 3 refinement attempts');
SELECT is(private.config_interval('outcome_vectors_retention'), interval '90 days', 'outcome vectors kept 90 days');
SELECT is(private.config_text('budget_timezone'), 'UTC', 'budget days start at midnight UTC');
SELECT is(private.config_interval('alert_dedupe_window'), interval '1 hour', 'alerts deduplicated within an hour');
SELECT results_eq(
    $$SELECT key, value_type FROM public.system_config
      WHERE key IN ('daily_budget_limit', 'budget_timezone', 'stuck_pending_after', 'max_refinement_attempts')
      ORDER BY key$$,
    $$VALUES ('budget_timezone', 'timezone'), ('daily_budget_limit', 'numeric'),
             ('max_refinement_attempts', 'integer'), ('stuck_pending_after', 'interval')$$,
    'each seeded key carries its value type');
SELECT is_empty($$SELECT key FROM public.system_config WHERE description IS NULL OR description = ''$$,
                'every key has a description');

-- A boolean and a text key to exercise those types (no seeded key has them yet).
INSERT INTO public.system_config (key, value, value_type, description)
VALUES ('test_flag', 'true', 'boolean', 'test'), ('test_model', '"gpt-4o-mini"', 'text', 'test');

-- Values of each type, refused (22023 and that message) or accepted: one assertion per row, in this order. An
-- accepted value stays, and the audit checks below read it.
SELECT CASE c.outcome WHEN 'refused' THEN throws_ok(s.statement, '22023', c.message, c.description)
                      WHEN 'accepted' THEN lives_ok(s.statement, c.description) END
FROM (VALUES
    -- numeric
    ('daily_budget_limit', '"100"', 'refused', 'numeric: a JSON string refused',
     'config "daily_budget_limit" must be a JSON number, got "100"'),
    ('daily_budget_limit', '"NaN"', 'refused', 'numeric: "NaN" refused',
     'config "daily_budget_limit" must be a JSON number, got "NaN"'),
    ('daily_budget_limit', '"Infinity"', 'refused', 'numeric: "Infinity" refused',
     'config "daily_budget_limit" must be a JSON number, got "Infinity"'),
    ('daily_budget_limit', 'null', 'refused', 'numeric: JSON null refused',
     'config "daily_budget_limit" must be a JSON number, got null'),
    ('daily_budget_limit', '-1', 'refused', 'numeric: below the range refused',
     'config "daily_budget_limit" = -1 is out of range [0, 1000000]'),
    ('daily_budget_limit', '1e400', 'refused', 'numeric: a huge number refused',
     'config "daily_budget_limit" = 1' || repeat('0', 400) || ' is out of range [0, 1000000]'),
    ('tier_critical_pct', '101', 'refused', 'numeric: a percentage above 100 refused',
     'config "tier_critical_pct" = 101 is out of range [0, 100]'),
    ('daily_budget_limit', '0', 'accepted', 'numeric: the runbook''s own SET value = ''0'' is legal', NULL),
    ('daily_budget_limit', '250.75', 'accepted', 'numeric: a fractional limit is accepted', NULL),
    -- integer
    ('max_refinement_attempts', '2.5', 'refused', 'integer: a fraction refused',
     'config "max_refinement_attempts" must be a whole number, got 2.5'),
    ('max_refinement_attempts', '"3"', 'refused', 'integer: a JSON string refused',
     'config "max_refinement_attempts" must be a JSON number, got "3"'),
    ('max_refinement_attempts', '0', 'refused', 'integer: below the range refused',
     'config "max_refinement_attempts" = 0 is out of range [1, 100]'),
    ('max_refinement_attempts', '5', 'accepted', 'integer: a whole number in range is accepted', NULL),
    -- interval
    ('stuck_pending_after', '7200', 'refused', 'interval: a bare number refused',
     'config "stuck_pending_after" must be an interval as a JSON string, got 7200'),
    ('stuck_pending_after', '"two hours"', 'refused', 'interval: text that is no interval refused',
     'config "stuck_pending_after" is not a valid interval: two hours'),
    ('stuck_pending_after', '"1 second"', 'refused', 'interval: shorter than the range refused',
     'config "stuck_pending_after" = 1 second is out of range [60, 2592000]'),
    ('outcome_vectors_retention', '"1000 years"', 'refused', 'interval: longer than the range refused',
     'config "outcome_vectors_retention" = 1000 years is out of range [86400, 315360000]'),
    ('stuck_pending_after', '"90 minutes"', 'accepted', 'interval: a valid interval in range is accepted', NULL),
    -- boolean
    ('test_flag', '1', 'refused', 'boolean: a number refused', 'config "test_flag" must be true or false, got 1'),
    ('test_flag', '"true"', 'refused', 'boolean: a JSON string refused', 'config "test_flag" must be true or false, got "true"'),
    ('test_flag', 'false', 'accepted', 'boolean: false is accepted', NULL),
    -- text
    ('test_model', '""', 'refused', 'text: an empty string refused',
     'config "test_model" must be a JSON string of 1 to 1000 characters'),
    ('test_model', to_jsonb(repeat('m', 1001))::text, 'refused', 'text: a huge string refused',
     'config "test_model" must be a JSON string of 1 to 1000 characters'),
    ('test_model', '{"model": "x"}', 'refused', 'text: an object refused',
     'config "test_model" must be a JSON string of 1 to 1000 characters'),
    -- timezone
    ('budget_timezone', '"Mars/Olympus_Mons"', 'refused', 'timezone: an unknown zone refused',
     'config "budget_timezone" must be a time zone name, got "Mars/Olympus_Mons"'),
    ('budget_timezone', '0', 'refused', 'timezone: a number refused', 'config "budget_timezone" must be a time zone name, got 0'),
    ('budget_timezone', '"America/New_York"', 'accepted', 'timezone: a known zone is accepted', NULL)
) AS c (key, value, outcome, description, message),
LATERAL format('UPDATE public.system_config SET value = %L WHERE key = %L', c.value, c.key) AS s (statement);

-- Type and range are fixed outside migrations ------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET max_value = 1e9 WHERE key = 'daily_budget_limit'$$,
                 '42501', 'the type and range of config key "daily_budget_limit" are fixed',
                 'the range of a key cannot be widened by an UPDATE');
SELECT throws_ok($$UPDATE public.system_config SET value_type = 'text' WHERE key = 'daily_budget_limit'$$,
                 '42501', 'the type and range of config key "daily_budget_limit" are fixed',
                 'the type of a key cannot be changed by an UPDATE');
SELECT set_config('moose.allow_config_schema_change', 'on', true);
SELECT lives_ok($$UPDATE public.system_config SET max_value = 2000000 WHERE key = 'daily_budget_limit'$$,
                'a migration (moose.allow_config_schema_change = on) may change the range');
SELECT set_config('moose.allow_config_schema_change', 'off', true);

-- Audit: every change with its actor -----------------------------------------------------------------
SELECT is((SELECT actor FROM public.audit_log WHERE action = 'config.update' AND target = 'daily_budget_limit'
           ORDER BY id DESC LIMIT 1), session_user::text, 'a direct UPDATE is audited with the login as actor');
SELECT is((SELECT details FROM public.audit_log WHERE action = 'config.update' AND target = 'max_refinement_attempts'
           ORDER BY id DESC LIMIT 1), '{"old": 3, "new": 5}'::jsonb, 'the audit row holds the old and the new value');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'config.insert' AND target IN ('test_flag', 'test_model')), 2,
          'inserted keys are audited');

SELECT is(test_helpers.as_role('service_role', $$SELECT public.update_config('daily_budget_limit', '150') ->> 'updated_by'$$,
                               '{"sub": "ops-alice", "role": "service_role"}'),
          'ops-alice', 'update_config returns the row stamped with the JWT subject');
SELECT results_eq(
    $$SELECT actor, details FROM public.audit_log WHERE target = 'daily_budget_limit' ORDER BY id DESC LIMIT 1$$,
    $$VALUES ('ops-alice'::text, '{"old": 250.75, "new": 150}'::jsonb)$$,
    'an update_config call over PostgREST is audited with the JWT subject');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '150'::jsonb, 'update_config wrote the value');

DELETE FROM public.system_config WHERE key = 'test_flag';
SELECT is((SELECT details FROM public.audit_log WHERE action = 'config.delete' AND target = 'test_flag'),
          '{"old": false, "new": null}'::jsonb, 'a deleted key is audited with its last value');

-- update_config: bad input, nothing written -------------------------------------------------------------
CREATE TEMP TABLE audit_count AS SELECT count(*) AS n FROM public.audit_log;
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', NULL)$$, '22004', 'config value must not be NULL',
                 'update_config: NULL value refused');
SELECT throws_ok($$SELECT public.update_config('no_such_key', '1')$$, 'P0002', 'unknown configuration key ''no_such_key''',
                 'update_config: unknown key refused');
SELECT throws_ok($$SELECT public.update_config(NULL, '1')$$, '22004', 'config key must not be NULL',
                 'update_config: NULL key refused (22004)');
SELECT throws_ok($$SELECT public.update_config(repeat('k', 100000), '1')$$,
                 '22023', 'config key must be at most 63 characters, got 100000',
                 'update_config: huge key refused (22023, not a lookup)');
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', '"lots"')$$,
                 '22023', 'config "daily_budget_limit" must be a JSON number, got "lots"', 'update_config: wrong type refused');
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', '-5')$$,
                 '22023', 'config "daily_budget_limit" = -5 is out of range [0, 2000000]', 'update_config: out of range refused');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '150'::jsonb,
          'refused calls left the value alone');
SELECT is((SELECT count(*) FROM public.audit_log), (SELECT n FROM audit_count), 'refused calls wrote no audit row');

-- A refusal's hint never suggests a value that changes behaviour (0 for the limit stops all spend).
SELECT throws_ok($$SELECT update_config('daily_budget_limit', '"abc"')$$, '22023',
                 'config "daily_budget_limit" must be a JSON number, got "abc"', 'a word for a number: 22023');
SELECT is(test_helpers.hint_of($$SELECT update_config('daily_budget_limit', '"abc"')$$),
          (SELECT format('Give a JSON number from %s to %s; it is %s now, e.g. SELECT update_config(''daily_budget_limit'', ''%s'');',
                         c.min_value, c.max_value, c.value, c.value)
           FROM system_config AS c WHERE c.key = 'daily_budget_limit'),
          'the hint keeps the value in force, never the lower end of the range');

SELECT * FROM finish();
ROLLBACK;
