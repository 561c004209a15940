-- The budget day starts at midnight in the configured time zone: rows on either side of
-- midnight land in different ledger rows, in UTC and in a non-UTC zone; a new day needs no reset.
BEGIN;
SELECT plan(17);

-- UTC: one second before and after today's midnight.
SELECT is(private.budget_day(private.budget_day_start(private.budget_day(now())) - interval '1 second'),
          private.budget_day(now()) - 1, 'UTC: a second before midnight is yesterday');
SELECT is(private.budget_day(private.budget_day_start(private.budget_day(now()))),
          private.budget_day(now()), 'UTC: midnight itself is today');
SELECT is((private.budget_settings()).budget_day, private.budget_day(now()),
          'private.budget_settings computes the same budget day as private.budget_day');

INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES
    ('legacy', 1.25, private.budget_day_start(private.budget_day(now())) - interval '1 second'),
    ('legacy', 2.50, private.budget_day_start(private.budget_day(now())) + interval '1 second');
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = private.budget_day(now()) - 1), 1.25::numeric(16, 6),
          'UTC: the row before midnight counts to yesterday''s ledger row');
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 2.50::numeric(16, 6),
          'UTC: the row after midnight counts to today''s ledger row');
SELECT is((public.budget_status() ->> 'daily_total')::numeric, 2.50, 'budget_status shows only today');

-- A non-UTC zone: New York midnight of a fixed date (UTC-5 in January).
UPDATE public.system_config SET value = '"America/New_York"' WHERE key = 'budget_timezone';
SELECT is(private.budget_day('2026-01-15 04:59:59+00'), '2026-01-14'::date, 'New York: 04:59:59 UTC is still the 14th');
SELECT is(private.budget_day('2026-01-15 05:00:00+00'), '2026-01-15'::date, 'New York: 05:00 UTC is midnight, the 15th');
SELECT is(private.budget_day_start('2026-01-15'), '2026-01-15 05:00:00+00'::timestamptz, 'New York: the day starts at 05:00 UTC');
SELECT is((private.budget_settings()).budget_day, private.budget_day(now()),
          'private.budget_settings agrees with private.budget_day in New York too');
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES
    ('legacy', 3, '2026-01-15 04:59:59+00'), ('legacy', 4, '2026-01-15 05:00:01+00');
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = '2026-01-14'), 3::numeric(16, 6),
          'New York: the row before local midnight counts to the 14th');
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = '2026-01-15'), 4::numeric(16, 6),
          'New York: the row after local midnight counts to the 15th');

-- A new day is a new row: private.budget_open_day creates it once; budget_lock_days creates and locks.
SELECT lives_ok($$SELECT private.budget_open_day('2030-01-01'); SELECT private.budget_open_day('2030-01-01')$$,
                'private.budget_open_day is idempotent');
SELECT private.budget_lock_days(ARRAY['2030-01-03', NULL, '2030-01-02']::date[]);
SELECT is((SELECT count(*)::int FROM public.budget_ledger WHERE budget_day BETWEEN '2030-01-01' AND '2030-01-03'), 3,
          'private.budget_lock_days creates the missing days it locks');

-- Midnight: a reservation made yesterday and still open is carried into today's admission.
UPDATE public.system_config SET value = '"UTC"' WHERE key = 'budget_timezone';
SET LOCAL moose.budget_keep_ledger = 'on';  -- rows booked under another time zone
DELETE FROM public.cost_tracking;
SET LOCAL moose.budget_keep_ledger = 'off';
DELETE FROM public.budget_ledger WHERE budget_day = private.budget_day(now());
INSERT INTO public.budget_reservations (budget_day, amount, service_name, tier, model_decision, expires_at)
VALUES (private.budget_day(now()) - 1, 7, 'coder', 'normal', 'any', now() + interval '5 minutes');
UPDATE public.system_config SET value = '10' WHERE key = 'daily_budget_limit';
SELECT is(public.check_and_reserve_budget(3.5, 'coder') ->> 'reason', 'limit_exceeded',
          'a call in flight since yesterday still counts against the new day');
SELECT is((SELECT carried_in FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 7::numeric(16, 6),
          'the new day''s row carries in yesterday''s open reservations');
SELECT is(public.check_and_reserve_budget(3, 'coder') ->> 'canProceed', 'true', 'what is left of the day is admitted');

SELECT * FROM finish();
ROLLBACK;
