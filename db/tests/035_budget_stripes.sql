-- Escrow stripes: the slow path moves slack between stripes and refuses only when the whole
-- budget is short; a limit change re-splits allowances; the budget config is checked as a
-- whole (22023, nothing changed); recording a real cost never fails after a work order is
-- deleted, a budget removed or lowered, or a kill; the kill frees exactly the stripes debited.
BEGIN;
SELECT plan(25);

UPDATE public.system_config SET value = '8' WHERE key = 'budget_global_stripes';  -- this file's arithmetic
UPDATE public.system_config SET value = '8' WHERE key = 'daily_budget_limit';
-- Eight stripes of 1 each: this session's stripe is pg_backend_pid() mod 8.
SELECT is(public.check_and_reserve_budget(0.5, 'coder') ->> 'canProceed', 'true', 'the fast path on the own stripe');
SELECT is((SELECT count(*)::int FROM public.budget_stripes WHERE scope = 'global' AND period_start = private.budget_day(now())),
          8, 'the day''s first call created its 8 stripes');
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'global' AND period_start = private.budget_day(now())),
          8::numeric, 'whose allowances add up to the limit');
-- 3 does not fit any one stripe of 1: the slow path rebalances and admits it.
SELECT is(public.check_and_reserve_budget(3, 'coder') ->> 'canProceed', 'true', 'an amount larger than any stripe is admitted by a rebalance');
SELECT ok((SELECT bool_and(spent + reserved <= allowance) FROM public.budget_stripes WHERE scope = 'global'),
          'after it every stripe is within its allowance');
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'global' AND period_start = private.budget_day(now())),
          8::numeric, 'and the allowances still add up to the limit');
SELECT is(public.check_and_reserve_budget(4.5, 'coder') ->> 'canProceed', 'true', 'exactly what is left is admitted');
SELECT is(public.check_and_reserve_budget(0.000001, 'coder') ->> 'reason', 'limit_exceeded', 'a micro-dollar more is refused');
SELECT is((SELECT sum(reserved) FROM public.budget_stripes WHERE scope = 'global'), 8::numeric, 'reserved = the limit, never more');

-- A limit change re-splits under the stripes' locks.
UPDATE public.system_config SET value = '20' WHERE key = 'daily_budget_limit';
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'global' AND period_start = private.budget_day(now())),
          20::numeric, 'raising the limit re-splits the allowances to the new limit');
SELECT ok((SELECT bool_and(allowance >= spent + reserved) FROM public.budget_stripes WHERE scope = 'global'),
          'each stripe keeps what it holds');
UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit';
SELECT is(public.check_and_reserve_budget(0.01, 'coder') ->> 'reason', 'limit_zero', 'the runbook''s stop: limit 0 refuses everything');
UPDATE public.system_config SET value = '20' WHERE key = 'daily_budget_limit';

-- Config coherence: refused with 22023 and nothing changed.
SELECT throws_ok($$UPDATE public.system_config SET value = '90' WHERE key = 'tier_warning_pct'$$,
                 '22023', 'budget tiers out of order: warning 90, hard cap 50, critical 80, kill 100 (percent of the limit)',
                 'tiers out of order (warning 90 over hard cap 50) are refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '0' WHERE key = 'tier_emergency_kill_pct'$$,
                 '22023', 'budget tiers out of order: warning 20, hard cap 50, critical 80, kill 0 (percent of the limit)',
                 'a kill share of 0 is refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '"gpt-nonexistent"' WHERE key = 'budget_hard_cap_model'$$,
                 '22023', 'budget_hard_cap_model gpt-nonexistent is not in model_policies',
                 'a hard-cap model model_policies does not know is refused');
SELECT throws_ok($$UPDATE public.system_config SET value = '10.1234567' WHERE key = 'daily_budget_limit'$$,
                 '22023', 'daily_budget_limit 10.1234567 has more than 6 decimal places',
                 'a limit with more than 6 decimals is refused');
SELECT is((SELECT string_agg(key || '=' || (value #>> '{}'), ',' ORDER BY key) FROM public.system_config
           WHERE key IN ('tier_warning_pct', 'tier_emergency_kill_pct', 'budget_hard_cap_model', 'daily_budget_limit')),
          'budget_hard_cap_model=gpt-4o-mini,daily_budget_limit=20,tier_emergency_kill_pct=100,tier_warning_pct=20',
          'nothing changed');
SELECT lives_ok($$UPDATE public.system_config SET value = CASE key WHEN 'tier_warning_pct' THEN '60'::jsonb ELSE '70'::jsonb END
                  WHERE key IN ('tier_warning_pct', 'tier_hard_cap_pct')$$,
                'moving two tiers past each other in one statement is fine');

-- Recording a real cost never fails after the reservation.
INSERT INTO public.work_orders (id, title, status) VALUES ('00000000-0000-4000-8000-0000000000a1', 'doomed', 'pending');
SELECT public.set_budget('work_order', '*', 'total', 5);
SELECT public.set_budget('service', 'gone', 'day', 5);
CREATE TEMP TABLE r AS SELECT
    (public.check_and_reserve_budget(1, 'coder', '{"work_order_id": "00000000-0000-4000-8000-0000000000a1"}') ->> 'reservationId')::uuid AS wo,
    (public.check_and_reserve_budget(1, 'gone') ->> 'reservationId')::uuid AS svc,
    (public.check_and_reserve_budget(1, 'coder') ->> 'reservationId')::uuid AS killed;
DELETE FROM public.work_orders WHERE id = '00000000-0000-4000-8000-0000000000a1';
SELECT is((public.settle_reservation((SELECT wo FROM r), 1.5) ->> 'status'), 'settled',
          'the work order was deleted before the settle: the cost is recorded');
SELECT is((SELECT (work_order_id IS NULL, cost)::text FROM public.cost_tracking WHERE reservation_id = (SELECT wo FROM r)),
          '(t,1.500000)', 'with a NULL work order');
SELECT is((SELECT spent FROM public.budget_stripes WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-0000000000a1'),
          1.5::numeric, 'and still counts against the work order''s budget');
SELECT public.remove_budget('service', 'gone', 'day');
SELECT is((public.settle_reservation((SELECT svc FROM r), 0.5) ->> 'status'), 'settled',
          'the service budget was removed before the settle: the cost is recorded');
SELECT public.emergency_kill('test: kill frees exactly the debited stripes');
SELECT is((SELECT sum(reserved) FROM public.budget_stripes), 0::numeric, 'the kill freed every open reservation''s stripes');
SELECT is((public.settle_reservation((SELECT killed FROM r), 0.7) ->> 'wasCancelled'), 'true',
          'a reservation the kill cancelled still settles: its cost is real');
SELECT is((SELECT sum(spent) FROM public.budget_stripes WHERE scope = 'global' AND period_start = private.budget_day(now())),
          (SELECT sum(cost) FROM public.cost_tracking WHERE created_at >= private.budget_day_start(private.budget_day(now()))),
          'the global day''s stripes equal the day''s cost rows');

SELECT * FROM finish();
ROLLBACK;
