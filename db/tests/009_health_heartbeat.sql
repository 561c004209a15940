-- health_heartbeat (the runner's heartbeat) and the private helpers every rule leans on:
-- private.config_value (a missing key is an error, P0002), private.budget_day and
-- private.budget_day_start on both sides of midnight in UTC and in other zones, and
-- private.current_actor (JWT sub, SET ROLE, login), plus budget_status's runbook keys.
BEGIN;
SELECT plan(35);

-- private.config_value ----------------------------------------------------------------------------
SELECT is(private.config_value('daily_budget_limit'), '100'::jsonb, 'config_value returns the jsonb value');
SELECT throws_ok($$SELECT private.config_value('no_such_key')$$, 'P0002',
                 'configuration key "no_such_key" is missing from system_config', 'a missing key is error P0002, naming the key');
SELECT throws_ok($$SELECT private.config_numeric('no_such_key')$$,
                 'P0002', 'configuration key "no_such_key" is missing from system_config',
                 'config_numeric of a missing key: P0002');
SELECT throws_ok($$SELECT private.config_interval('no_such_key')$$,
                 'P0002', 'configuration key "no_such_key" is missing from system_config',
                 'config_interval of a missing key: P0002');
SELECT throws_ok($$SELECT private.config_text(NULL)$$, 'P0002', 'configuration key "<NULL>" is missing from system_config',
                 'config_text of NULL: P0002');
DELETE FROM public.system_config WHERE key = 'alert_dedupe_window';
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', 'key', '{}')$$,
                 'P0002', 'configuration key "alert_dedupe_window" is missing from system_config',
                 'a rule whose key was deleted fails loudly instead of silently disabling itself');
INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description)
VALUES ('alert_dedupe_window', '"1 hour"', 'interval', 0, 2592000, 'restored');

-- private.budget_day / budget_day_start in UTC --------------------------------------------------------
SELECT is(private.budget_day('2026-11-26 23:59:59.999999+00'), date '2026-11-26', 'UTC: the last microsecond before midnight is the old day');
SELECT is(private.budget_day('2026-11-27 00:00:00+00'), date '2026-11-27', 'UTC: midnight starts the new day');
SELECT is(private.budget_day('2026-11-27 01:00:00+02'), date '2026-11-26', 'UTC: the input''s own offset does not matter');
SELECT is(private.budget_day_start(date '2026-11-27'), timestamptz '2026-11-27 00:00:00+00', 'UTC: the day starts at 00:00 UTC');
SELECT is(private.budget_day(private.budget_day_start(date '2026-11-27')), date '2026-11-27', 'budget_day(budget_day_start(d)) = d');
SELECT is(private.budget_day(), private.budget_day(now()), 'budget_day() defaults to now()');

-- ... in America/New_York (UTC-5 in winter, UTC-4 in summer) ------------------------------------------------
UPDATE public.system_config SET value = '"America/New_York"' WHERE key = 'budget_timezone';
SELECT is(private.budget_day('2026-11-27 04:59:59+00'), date '2026-11-26', 'New York: 23:59:59 local is still the old day');
SELECT is(private.budget_day('2026-11-27 05:00:00+00'), date '2026-11-27', 'New York: midnight local (05:00 UTC) starts the new day');
SELECT is(private.budget_day_start(date '2026-11-27'), timestamptz '2026-11-27 05:00:00+00', 'New York: a winter day starts at 05:00 UTC');
SELECT is(private.budget_day_start(date '2026-07-01'), timestamptz '2026-07-01 04:00:00+00', 'New York: a summer day starts at 04:00 UTC');
SELECT is(private.budget_day_start(date '2026-03-09') - private.budget_day_start(date '2026-03-08'), interval '23 hours',
          'New York: the day clocks spring forward lasts 23 hours');

-- ... in Asia/Tokyo (UTC+9) ----------------------------------------------------------------------------------
UPDATE public.system_config SET value = '"Asia/Tokyo"' WHERE key = 'budget_timezone';
SELECT is(private.budget_day('2026-11-26 14:59:59+00'), date '2026-11-26', 'Tokyo: 23:59:59 local is still the old day');
SELECT is(private.budget_day('2026-11-26 15:00:00+00'), date '2026-11-27', 'Tokyo: midnight local (15:00 UTC the day before) starts the new day');
SELECT is(private.budget_day_start(date '2026-11-27'), timestamptz '2026-11-26 15:00:00+00', 'Tokyo: the day starts at 15:00 UTC the day before');

-- health_heartbeat --------------------------------------------------------------------------------------------
UPDATE public.system_config SET value = '"UTC"' WHERE key = 'budget_timezone';
SELECT is(public.health_heartbeat(),
          jsonb_build_object('work_orders', '{}'::jsonb, 'open_escalations', 0, 'spend_today', 0, 'daily_limit', 100,
                             'budget_day', private.budget_day(now())),
          'an empty system: no work orders, no escalations, nothing spent, limit 100, today''s budget day');

INSERT INTO public.work_orders (id, title, status) VALUES
    ('00000000-0000-0000-0000-000000000901', 'a', 'pending'), ('00000000-0000-0000-0000-000000000902', 'b', 'pending'),
    ('00000000-0000-0000-0000-000000000903', 'c', 'in_progress'), ('00000000-0000-0000-0000-000000000904', 'd', 'completed');
INSERT INTO public.escalations (work_order_id, trigger_type, status) VALUES
    ('00000000-0000-0000-0000-000000000901', 'test_failures', 'pending'),
    ('00000000-0000-0000-0000-000000000902', 'test_failures', 'acknowledged'),
    ('00000000-0000-0000-0000-000000000903', 'test_failures', 'resolved'),
    ('00000000-0000-0000-0000-000000000904', 'test_failures', 'dismissed');
-- Spend: two rows inside today's budget day (one exactly at its start), one a microsecond before.
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES
    ('openai', 10.25, private.budget_day_start(private.budget_day(now()))),
    ('anthropic', 2.25, now()),
    ('openai', 50, private.budget_day_start(private.budget_day(now())) - interval '1 microsecond');

SELECT is(public.health_heartbeat() -> 'work_orders', '{"pending": 2, "in_progress": 1, "completed": 1}'::jsonb,
          'work orders counted by status');
SELECT is((public.health_heartbeat() ->> 'open_escalations')::int, 2, 'pending and acknowledged escalations are open; resolved and dismissed are not');
SELECT is((public.health_heartbeat() ->> 'spend_today')::numeric, 12.5, 'spend counts today''s budget day only, from its first instant');
SELECT is((public.budget_status() ->> 'daily_total')::numeric, 12.5, 'budget_status: daily_total');
SELECT is((public.budget_status() ->> 'limit')::numeric, 100::numeric, 'budget_status: limit');
SELECT is((public.budget_status() ->> 'percentage')::numeric, 12.5, 'budget_status: percentage (runbook 1.3''s example: 12.50 of 100 is 12.5)');
SELECT ok(public.budget_status() ?& ARRAY['daily_total', 'limit', 'percentage', 'status'], 'budget_status has the runbook''s four keys');
UPDATE public.system_config SET value = '250' WHERE key = 'daily_budget_limit';
SELECT is((public.health_heartbeat() ->> 'daily_limit')::numeric, 250::numeric, 'the limit is read from config');

-- private.current_actor -----------------------------------------------------------------------------------
-- Called through a SECURITY DEFINER wrapper, as every API function calls it.
CREATE FUNCTION pg_temp.actor() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $f$ SELECT private.current_actor() $f$;
GRANT EXECUTE ON FUNCTION pg_temp.actor() TO anon, authenticated, service_role, moose_runner;

SELECT is(pg_temp.actor(), session_user::text, 'no JWT, no SET ROLE: the login');
SET LOCAL ROLE service_role;
SELECT set_config('test.actor', pg_temp.actor(), true);
RESET ROLE;
SELECT is(current_setting('test.actor'), 'service_role', 'SET ROLE: the role, also inside a SECURITY DEFINER function');
SELECT set_config('request.jwt.claims', '{"sub": "user-42", "role": "authenticated"}', true);
SET LOCAL ROLE authenticated;
SELECT set_config('test.actor', pg_temp.actor(), true);
RESET ROLE;
SELECT is(current_setting('test.actor'), 'user-42', 'a JWT sub claim wins');
SELECT set_config('request.jwt.claims', '{"role": "authenticated"}', true);
SET LOCAL ROLE authenticated;
SELECT set_config('test.actor', pg_temp.actor(), true);
RESET ROLE;
SELECT is(current_setting('test.actor'), 'authenticated', 'a JWT without sub: the role');
SELECT set_config('request.jwt.claims', 'not json at all', true);
SELECT is(pg_temp.actor(), session_user::text, 'unparsable claims are ignored, not an error');
SELECT set_config('request.jwt.claims', '', true);
SET LOCAL SESSION AUTHORIZATION moose_runner;
SELECT set_config('test.actor', pg_temp.actor(), true);
RESET SESSION AUTHORIZATION;
SELECT is(current_setting('test.actor'), 'moose_runner', 'logged in as moose_runner: the login');

SELECT * FROM finish();
ROLLBACK;
