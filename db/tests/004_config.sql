-- system_config: the runbook's seeded defaults; values of the wrong type or range refused with
-- 22023 for every value_type (the trigger private.system_config_validate); type and range fixed
-- outside migrations; every change audited with its actor (private.system_config_audit);
-- update_config's own bad inputs.
BEGIN;
SELECT plan(58);

-- Run one statement as another role (pgTAP's own functions stay with the session user).
CREATE FUNCTION pg_temp.value_as(p_role text, p_sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    EXECUTE p_sql INTO v_result;
    RESET ROLE;
    RETURN v_result;
END
$f$;

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

-- numeric --------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '"100"' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: a JSON string refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"NaN"' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: "NaN" refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"Infinity"' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: "Infinity" refused');
SELECT throws_ok($$UPDATE public.system_config SET value = 'null' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: JSON null refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '-1' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: below the range refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '1e400' WHERE key = 'daily_budget_limit'$$, '22023', NULL,
                 'numeric: a huge number refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '101' WHERE key = 'tier_critical_pct'$$, '22023', NULL,
                 'numeric: a percentage above 100 refused');
SELECT lives_ok($$UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit'$$,
                'numeric: the runbook''s own SET value = ''0'' is legal');
SELECT lives_ok($$UPDATE public.system_config SET value = '250.75' WHERE key = 'daily_budget_limit'$$,
                'numeric: a fractional limit is accepted');

-- integer --------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '2.5' WHERE key = 'max_refinement_attempts'$$, '22023', NULL,
                 'integer: a fraction refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"3"' WHERE key = 'max_refinement_attempts'$$, '22023', NULL,
                 'integer: a JSON string refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '0' WHERE key = 'max_refinement_attempts'$$, '22023', NULL,
                 'integer: below the range refused');
SELECT lives_ok($$UPDATE public.system_config SET value = '5' WHERE key = 'max_refinement_attempts'$$,
                'integer: a whole number in range is accepted');

-- interval -------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '7200' WHERE key = 'stuck_pending_after'$$, '22023', NULL,
                 'interval: a bare number refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"two hours"' WHERE key = 'stuck_pending_after'$$, '22023', NULL,
                 'interval: text that is no interval refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"1 second"' WHERE key = 'stuck_pending_after'$$, '22023', NULL,
                 'interval: shorter than the range refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"1000 years"' WHERE key = 'outcome_vectors_retention'$$, '22023', NULL,
                 'interval: longer than the range refused');
SELECT lives_ok($$UPDATE public.system_config SET value = '"90 minutes"' WHERE key = 'stuck_pending_after'$$,
                'interval: a valid interval in range is accepted');

-- boolean --------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '1' WHERE key = 'test_flag'$$, '22023', NULL,
                 'boolean: a number refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"true"' WHERE key = 'test_flag'$$, '22023', NULL,
                 'boolean: a JSON string refused');
SELECT lives_ok($$UPDATE public.system_config SET value = 'false' WHERE key = 'test_flag'$$,
                'boolean: false is accepted');

-- text -----------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '""' WHERE key = 'test_model'$$, '22023', NULL,
                 'text: an empty string refused');
SELECT throws_ok($$UPDATE public.system_config SET value = to_jsonb(repeat('m', 1001)) WHERE key = 'test_model'$$, '22023', NULL,
                 'text: a huge string refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '{"model": "x"}' WHERE key = 'test_model'$$, '22023', NULL,
                 'text: an object refused');

-- timezone -------------------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET value = '"Mars/Olympus_Mons"' WHERE key = 'budget_timezone'$$, '22023', NULL,
                 'timezone: an unknown zone refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '0' WHERE key = 'budget_timezone'$$, '22023', NULL,
                 'timezone: a number refused');
SELECT lives_ok($$UPDATE public.system_config SET value = '"America/New_York"' WHERE key = 'budget_timezone'$$,
                'timezone: a known zone is accepted');

-- Type and range are fixed outside migrations ------------------------------------------------------
SELECT throws_ok($$UPDATE public.system_config SET max_value = 1e9 WHERE key = 'daily_budget_limit'$$, '42501', NULL,
                 'the range of a key cannot be widened by an UPDATE');
SELECT throws_ok($$UPDATE public.system_config SET value_type = 'text' WHERE key = 'daily_budget_limit'$$, '42501', NULL,
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

SELECT set_config('request.jwt.claims', '{"sub": "ops-alice", "role": "service_role"}', true);
SELECT is(pg_temp.value_as('service_role', $$SELECT public.update_config('daily_budget_limit', '150') ->> 'updated_by'$$),
          'ops-alice', 'update_config returns the row stamped with the JWT subject');
SELECT set_config('request.jwt.claims', '', true);
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
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', NULL)$$, '22004', NULL,
                 'update_config: NULL value refused');
SELECT throws_ok($$SELECT public.update_config('no_such_key', '1')$$, 'P0002', NULL,
                 'update_config: unknown key refused');
SELECT throws_ok($$SELECT public.update_config(NULL, '1')$$, '22004', NULL,
                 'update_config: NULL key refused (22004)');
SELECT throws_ok($$SELECT public.update_config(repeat('k', 100000), '1')$$, '22023', NULL,
                 'update_config: huge key refused (22023, not a lookup)');
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', '"lots"')$$, '22023', NULL,
                 'update_config: wrong type refused');
SELECT throws_ok($$SELECT public.update_config('daily_budget_limit', '-5')$$, '22023', NULL,
                 'update_config: out of range refused');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '150'::jsonb,
          'refused calls left the value alone');
SELECT is((SELECT count(*) FROM public.audit_log), (SELECT n FROM audit_count), 'refused calls wrote no audit row');

SELECT * FROM finish();
ROLLBACK;
