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

-- A new day is a new set of stripes: private.budget_open_stripes creates it once; the kill's
-- lock (private.budget_lock with days) creates and locks the missing days.
SELECT lives_ok($$SELECT private.budget_open_stripes(1::smallint, 'global', '*', 'day', '2030-01-01', 8);
                  SELECT private.budget_open_stripes(1::smallint, 'global', '*', 'day', '2030-01-01', 8)$$,
                'private.budget_open_stripes is idempotent');
SELECT private.budget_lock(NULL, ARRAY['2030-01-03', NULL, '2030-01-02']::date[]);
SELECT is((SELECT count(*)::int FROM public.budget_ledger WHERE budget_day BETWEEN '2030-01-01' AND '2030-01-03'), 3,
          'private.budget_lock creates the missing days it locks');

-- Midnight: a reservation made yesterday and still open is carried into today's admission.
UPDATE public.system_config SET value = '"UTC"' WHERE key = 'budget_timezone';
SET LOCAL moose.budget_keep_ledger = 'on';  -- rows booked under another time zone
DELETE FROM public.cost_tracking;
SET LOCAL moose.budget_keep_ledger = 'off';
-- A call in flight at midnight counts on the day it was admitted on (its stripes), until it
-- closes; its settle books there too.
UPDATE public.system_config SET value = '10' WHERE key = 'daily_budget_limit';
SELECT private.budget_open_stripes(1::smallint, 'global', '*', 'day', private.budget_day(now()) - 1, 8);
UPDATE public.budget_stripes SET reserved = 7
WHERE scope_rank = 1 AND key = '*' AND period = 'day' AND period_start = private.budget_day(now()) - 1 AND stripe = 0;
INSERT INTO public.budget_reservations (id, budget_day, amount, service_name, tier, model_decision, expires_at, debits)
VALUES ('00000000-0000-4000-8000-000000000777', private.budget_day(now()) - 1, 7, 'coder', 'normal', 'any',
        now() + interval '5 minutes',
        jsonb_build_array(jsonb_build_array(1, '*', 'day', private.budget_day(now()) - 1, 0)));
SELECT is(public.check_and_reserve_budget(
              10 - coalesce((SELECT spent + reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 0),
              'coder') ->> 'canProceed', 'true',
          'a call in flight since yesterday does not count against the new day');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now()) - 1), 7::numeric,
          'it stays reserved on yesterday''s budget');
CREATE TEMP TABLE before_settle AS SELECT spent FROM public.budget_ledger WHERE budget_day = private.budget_day(now()) - 1;
SELECT public.settle_reservation('00000000-0000-4000-8000-000000000777', 6.5);
SELECT is((SELECT (l.spent - b.spent, l.reserved)::text FROM public.budget_ledger AS l, before_settle AS b
           WHERE l.budget_day = private.budget_day(now()) - 1),
          '(6.500000,0.000000)', 'its settle books the cost on yesterday''s stripes and frees them');

SELECT * FROM finish();
ROLLBACK;
