-- The allowance invariant a DBA can run (view budget_allowance_mismatches): for every budget in
-- force and every open period of it, the stripes' allowances add up to its limit exactly. Empty
-- after reservations, rebalances and limit changes of every kind; lists a period whose stripes
-- hold more or less, with the budget (the key's own row over the * row) and the difference;
-- leaves out past periods (they keep the limit of their time) and removed budgets. Readable by
-- service_role, not by the dashboard.
BEGIN;
SELECT plan(15);

SELECT has_view('public', 'budget_allowance_mismatches', 'view budget_allowance_mismatches exists');

UPDATE public.system_config SET value = '8' WHERE key = 'daily_budget_limit';
SELECT public.set_budget('service', '*', 'day', 3);
SELECT public.set_budget('service', 'architect', 'day', 2);
INSERT INTO public.work_orders (id, title, status) VALUES ('00000000-0000-4000-8000-000000003701', 'inv', 'in_progress');
SELECT public.set_budget('work_order', '*', 'total', 1.5);
SELECT public.check_and_reserve_budget(0.5, 'architect', '{"work_order_id": "00000000-0000-4000-8000-000000003701"}');
SELECT public.check_and_reserve_budget(1.5, 'coder');
SELECT public.check_and_reserve_budget(3, 'coder');  -- past coder's 3 with the 1.5: refused, nothing kept
SELECT public.check_and_reserve_budget(5, 'tester');  -- a rebalance of the global day
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches), 0,
          'empty after first reservations, a refusal and a rebalance');

-- Limit changes of every kind re-split the open periods exactly.
UPDATE public.system_config SET value = '11.000001' WHERE key = 'daily_budget_limit';
UPDATE public.system_config SET value = '3' WHERE key = 'budget_global_stripes';
SELECT public.set_budget('service', '*', 'day', 0.7);     -- below what coder holds: negative shares
SELECT public.set_budget('work_order', '00000000-0000-4000-8000-000000003701', 'total', 0.9);
SELECT public.remove_budget('service', 'architect', 'day');  -- architect falls back to the * row
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches), 0,
          'empty after a day limit, a stripe count, a template, an override and a removal changed');
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'service' AND key = 'architect'
           AND period_start = private.budget_day(now())), 0.7::numeric,
          'a key whose override was removed holds the * limit');

-- A stripe that holds too much is listed, against the budget in force.
UPDATE public.budget_stripes SET allowance = allowance + 0.25
WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-000000003701';
SELECT results_eq(
    $$SELECT scope, key, budget_key, period, budget_limit, allowance, difference FROM public.budget_allowance_mismatches$$,
    $$VALUES ('work_order'::text, '00000000-0000-4000-8000-000000003701'::text, '00000000-0000-4000-8000-000000003701'::text,
              'total'::text, 0.9::numeric(16, 6), 1.15::numeric, 0.25::numeric)$$,
    'an allowance past the limit is listed with its budget (the key''s own row), the limit and the difference');
SELECT is((SELECT period_start FROM public.budget_allowance_mismatches), '-infinity'::date,
          'a total budget''s one period starts at -infinity');
UPDATE public.budget_stripes SET allowance = allowance - 0.5
WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-000000003701';
SELECT is((SELECT difference FROM public.budget_allowance_mismatches), -0.25::numeric,
          'less than the limit is a mismatch too');
SELECT public.set_budget('work_order', '00000000-0000-4000-8000-000000003701', 'total', 0.9);
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches), 0, 'a re-split repairs it');

-- The global day: a stripe of today, and one of tomorrow (opened by the kill's lock).
SELECT private.budget_lock(NULL, ARRAY[private.budget_day(now()) + 1]);
UPDATE public.budget_stripes SET allowance = allowance + 1
WHERE scope = 'global' AND period = 'day' AND period_start = private.budget_day(now()) + 1 AND stripe = 0;
SELECT results_eq($$SELECT scope, key, budget_key, period_start - private.budget_day(now()) FROM public.budget_allowance_mismatches$$,
                  $$VALUES ('global'::text, '*'::text, '*'::text, 1)$$,
                  'a later period already open is checked too');
UPDATE public.budget_stripes SET allowance = allowance - 1
WHERE scope = 'global' AND period = 'day' AND period_start = private.budget_day(now()) + 1 AND stripe = 0;

-- Past periods keep the limit of their time; removed budgets are not checked.
SELECT private.budget_lock(NULL, ARRAY[private.budget_day(now()) - 1]);  -- yesterday at 11.000001
UPDATE public.system_config SET value = '9' WHERE key = 'daily_budget_limit';
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'global' AND period = 'day'
           AND period_start = private.budget_day(now()) - 1), 11.000001::numeric,
          'yesterday''s stripes keep yesterday''s limit');
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches), 0, 'and are not listed against today''s');
UPDATE public.budget_stripes SET allowance = allowance + 1 WHERE scope = 'service' AND key = 'coder';
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches WHERE key = 'coder'), 1, 'coder''s stripe is off');
SELECT public.remove_budget('service', '*', 'day');
SELECT is((SELECT count(*)::int FROM public.budget_allowance_mismatches), 0,
          'a removed budget''s stripes are history, not checked');

SELECT is(test_helpers.as_role('service_role', $$SELECT count(*) FROM public.budget_allowance_mismatches$$), '0',
          'service_role reads it');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.budget_allowance_mismatches$$), 'ERROR 42501',
          'the dashboard does not');

SELECT * FROM finish();
ROLLBACK;
