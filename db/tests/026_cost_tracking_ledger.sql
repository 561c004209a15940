-- Trigger cost_tracking_ledger: every cost row counts once toward its day, whoever writes it;
-- corrections and deletes (runbook 4.2's duplicate clean-up) keep the ledger equal to the rows.
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE today AS SELECT private.budget_day(now()) AS d;

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 1.5), ('legacy', 2.25);
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), 3.75::numeric(16, 6),
          'direct inserts (a legacy writer, a DBA) count toward the day');
SELECT is((SELECT (public.check_and_reserve_budget(1, 'coder') ->> 'currentTotal')::numeric), 3.75::numeric,
          'and the next reservation sees them');

SELECT public.settle_reservation((SELECT id FROM public.budget_reservations LIMIT 1), 0.75);
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), 4.5::numeric(16, 6),
          'a settled reservation counts exactly once');

-- Runbook 4.2's duplicate clean-up.
INSERT INTO public.cost_tracking (service_name, cost, created_at)
SELECT 'dup', 0.1, now() FROM generate_series(1, 12);
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), 5.7::numeric(16, 6),
          'twelve duplicates count until cleaned');
DELETE FROM public.cost_tracking
WHERE id IN (
  SELECT id FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY cost, service_name, created_at ORDER BY id) as rn
    FROM public.cost_tracking
    WHERE created_at >= CURRENT_DATE
  ) t
  WHERE rn > 1
);
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), 4.6::numeric(16, 6),
          'the runbook''s DELETE of duplicates takes them off the ledger');

UPDATE public.cost_tracking SET cost = 2 WHERE service_name = 'dup';
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), 6.5::numeric(16, 6),
          'a corrected cost moves the difference');
UPDATE public.cost_tracking SET created_at = now() - interval '3 days' WHERE service_name = 'dup';
SELECT is((SELECT row(a.spent, b.spent)::text FROM public.budget_ledger a, public.budget_ledger b
           WHERE a.budget_day = (SELECT d FROM today) AND b.budget_day = private.budget_day(now() - interval '3 days')),
          '(4.500000,2.000000)', 'a moved timestamp moves the cost to the other day');

SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)),
          (SELECT sum(cost)::numeric(16, 6) FROM public.cost_tracking
           WHERE private.budget_day(created_at) = (SELECT d FROM today)),
          'the ledger equals SUM(cost_tracking) of the day');

-- A retention purge keeps the ledger as history.
SET LOCAL moose.budget_keep_ledger = 'on';
DELETE FROM public.cost_tracking WHERE service_name = 'dup';
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = private.budget_day(now() - interval '3 days')),
          2::numeric(16, 6), 'with moose.budget_keep_ledger = on a purge leaves the day''s ledger row');
SET LOCAL moose.budget_keep_ledger = 'off';

SELECT throws_ok($$UPDATE public.cost_tracking SET cost = cost - 100 WHERE service_name = 'legacy'$$,
                 '23514', 'new row for relation "cost_tracking" violates check constraint "cost_tracking_cost_check"',
                 'the ledger never goes negative');

-- TRUNCATE fires no row trigger: refused, unless the ledger is to keep its totals.
SELECT has_trigger('public', 'cost_tracking', 'cost_tracking_refuse_truncate', 'a statement trigger guards TRUNCATE');
CREATE TEMP TABLE spent_before AS SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today);
SELECT throws_ok($$TRUNCATE public.cost_tracking$$,
                 '55000', 'TRUNCATE cost_tracking would leave budget_ledger counting spend whose rows are gone',
                 'TRUNCATE cost_tracking is refused (it would bypass the ledger)');
SELECT ok((SELECT count(*) > 0 FROM public.cost_tracking), 'and the rows are still there');
SET LOCAL moose.budget_keep_ledger = 'on';
TRUNCATE public.cost_tracking;
SET LOCAL moose.budget_keep_ledger = 'off';
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), (SELECT spent FROM spent_before),
          'with moose.budget_keep_ledger = on it runs and the ledger keeps the day''s total');

SELECT * FROM finish();
ROLLBACK;
