-- private.budget_config, the typed copy of the budget keys that the reservation gate reads on
-- every call: equal to system_config after every kind of change, in the changing transaction,
-- rolled back with it, and never the reason a rule switches off (a missing copy falls back to
-- system_config; a missing key is still an error naming it).
BEGIN;
SELECT plan(18);

SELECT has_trigger('public', 'system_config', 'system_config_budget_config', 'the copy is kept by trigger system_config_budget_config');
SELECT is((SELECT count(*)::int FROM private.budget_config), 1, 'the copy is one row');
SELECT is((SELECT row(c.budget_timezone, c.daily_limit, c.max_single_reservation, c.reservation_ttl, c.warning_pct,
                      c.hard_cap_pct, c.critical_pct, c.kill_pct, c.hard_cap_model)::text FROM private.budget_config AS c),
          (SELECT row(c.budget_timezone, c.daily_limit, c.max_single_reservation, c.reservation_ttl, c.warning_pct,
                      c.hard_cap_pct, c.critical_pct, c.kill_pct, c.hard_cap_model)::text
           FROM private.budget_config_from_system_config() AS c),
          'a migrated database starts with the copy equal to system_config');

-- The runbook's own UPDATE, and update_config.
UPDATE public.system_config SET value = '42' WHERE key = 'daily_budget_limit';
SELECT is((SELECT daily_limit FROM private.budget_config), 42::numeric, 'a direct UPDATE of system_config reaches the copy');
SELECT is((public.check_and_reserve_budget(1, 'coder') ->> 'limit')::numeric, 42::numeric,
          'and the very next reservation in the same transaction uses it');
SELECT public.update_config('tier_warning_pct', '30');
SELECT is((SELECT warning_pct FROM private.budget_config), 30::numeric, 'update_config reaches the copy');
UPDATE public.system_config SET value = '"America/New_York"' WHERE key = 'budget_timezone';
SELECT is((public.check_and_reserve_budget(1, 'coder') ->> 'budgetDay')::date, (now() AT TIME ZONE 'America/New_York')::date,
          'a new time zone moves the budget day of the next reservation');
UPDATE public.system_config SET value = '"UTC"' WHERE key = 'budget_timezone';

-- Rolled back with the change.
SAVEPOINT before_zero;
UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit';
SELECT is(public.check_and_reserve_budget(1, 'coder') ->> 'reason', 'limit_zero', 'the runbook''s limit 0 refuses at once');
ROLLBACK TO SAVEPOINT before_zero;
SELECT is((SELECT daily_limit FROM private.budget_config), 42::numeric, 'a rolled-back change leaves the copy as it was');

-- Through an API role: the trigger writes schema private for it.
SELECT is(test_helpers.as_role('service_role',
          $$UPDATE public.system_config SET value = '55' WHERE key = 'daily_budget_limit' RETURNING key$$),
          'daily_budget_limit', 'service_role changes the limit as the runbook does');
SELECT is((SELECT daily_limit FROM private.budget_config), 55::numeric, 'and the copy follows');
SELECT is(test_helpers.as_role('authenticated', $$SELECT daily_limit::text FROM private.budget_config$$), 'ERROR 42501',
          'authenticated cannot read the copy');
SELECT is(test_helpers.as_role('anon', $$SELECT daily_limit::text FROM private.budget_config$$), 'ERROR 42501',
          'anon cannot read the copy');

-- A missing key: the copy has NULL, and the gate names the key.
DELETE FROM public.system_config WHERE key = 'reservation_ttl';
SELECT ok((SELECT reservation_ttl IS NULL FROM private.budget_config), 'a deleted key is NULL in the copy');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'coder')$$, 'P0002',
                 'configuration key "reservation_ttl" is missing from system_config',
                 'a reservation then fails naming the missing key');
INSERT INTO public.system_config (key, value, value_type, description)
VALUES ('reservation_ttl', '"15 minutes"', 'interval', 'restored');

-- A change made with triggers off (replica mode) does not reach the copy until a refresh.
SET LOCAL session_replication_role = replica;
UPDATE public.system_config SET value = '66' WHERE key = 'daily_budget_limit';
SET LOCAL session_replication_role = origin;
SELECT is((SELECT daily_limit FROM private.budget_config), 55::numeric, 'a change with triggers off leaves the copy behind');
SELECT private.budget_config_refresh();
SELECT is((SELECT daily_limit FROM private.budget_config), 66::numeric,
          'private.budget_config_refresh() brings it in step, as docs/BUDGET.md says to run');

-- A missing copy (deleted by hand): values come from system_config itself.
DELETE FROM private.budget_config;
SELECT is((public.check_and_reserve_budget(1, 'coder') ->> 'limit')::numeric, 66::numeric,
          'without the copy the gate reads system_config and still answers with the current limit');

SELECT * FROM finish();
ROLLBACK;
