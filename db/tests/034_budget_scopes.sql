-- Scoped budgets: set_budget / remove_budget / budget_usage (inputs, roles, audit), every
-- scope and period with its boundaries in a non-UTC zone, specific keys over *, all-or-nothing
-- admission, what a refusal says, and that settle, release and expiry act on exactly the
-- stripes a reservation debited.
BEGIN;
SELECT plan(55);

INSERT INTO public.work_orders (id, title, status) VALUES
    ('00000000-0000-4000-8000-000000000001', 'wo one', 'pending'),
    ('00000000-0000-4000-8000-000000000002', 'wo two', 'pending');
UPDATE public.system_config SET value = '1000' WHERE key = 'daily_budget_limit';

-- Inputs: the conventions' error contract.
SELECT throws_ok($$SELECT public.set_budget(NULL, '*', 'day', 1)$$, '22004', 'scope must not be NULL',
                 'set_budget: NULL scope is 22004');
SELECT throws_ok($$SELECT public.set_budget('service', NULL, 'day', 1)$$, '22004', 'key must not be NULL',
                 'set_budget: NULL key is 22004');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', NULL, 1)$$, '22004', 'period must not be NULL',
                 'set_budget: NULL period is 22004');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', 'day', NULL)$$, '22004', 'limit must not be NULL',
                 'set_budget: NULL limit is 22004');
SELECT throws_ok($$SELECT public.set_budget('team', 'a', 'day', 1)$$, '22023', 'unknown budget scope team',
                 'an unknown scope is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', 'week', 1)$$, '22023', 'unknown budget period week',
                 'an unknown period is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', '  ', 'day', 1)$$,
                 '22023', 'budget key must be 1 to 200 characters without surrounding blanks, got 2', 'a blank key is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', repeat('x', 201), 'day', 1)$$,
                 '22023', 'budget key must be 1 to 200 characters without surrounding blanks, got 201',
                 'an over-long key is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', 'day', -1)$$,
                 '22023', 'limit must be 0 to 999999999.999999 USD with at most 6 decimals, got -1', 'a negative limit is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', 'day', 1.0000001)$$,
                 '22023', 'limit must be 0 to 999999999.999999 USD with at most 6 decimals, got 1.0000001',
                 'more than 6 decimals is 22023');
SELECT throws_ok($$SELECT public.set_budget('service', 'a', 'day', 'NaN')$$,
                 '22023', 'limit must be 0 to 999999999.999999 USD with at most 6 decimals, got NaN', 'NaN is 22023');
SELECT throws_ok($$SELECT public.set_budget('global', 'x', 'day', 1)$$, '22023', 'the global scope has only the key *, got x',
                 'the global scope has only the key *');
SELECT throws_ok($$SELECT public.set_budget('work_order', 'not-a-uuid', 'total', 1)$$,
                 '22023', 'a work_order budget key is a work order id or *, got not-a-uuid', 'a work-order key must be a uuid');
SELECT throws_ok($$SELECT public.set_budget('work_order', '00000000-0000-4000-8000-00000000dead', 'total', 1)$$, 'P0002',
                 'work order 00000000-0000-4000-8000-00000000dead does not exist',
                 'a work-order key must name a work order');
SELECT throws_ok($$SELECT public.remove_budget('service', 'nobody', 'day')$$, 'P0002', 'no service budget for nobody per day',
                 'removing a missing budget is P0002');
SELECT throws_ok($$SELECT public.remove_budget('global', '*', 'day')$$, '22023', 'the global day budget cannot be removed',
                 'the global day budget cannot be removed');
SELECT throws_ok($$SELECT * FROM public.budget_usage('team')$$, '22023', 'unknown budget scope team',
                 'budget_usage: an unknown scope is 22023');
SELECT is((SELECT count(*)::int FROM public.budgets WHERE scope <> 'global'), 0, 'refused calls wrote nothing');

-- Roles.
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.budget_usage()$$), '1',
          'authenticated reads budget_usage');
SELECT is(test_helpers.as_role('authenticated', $$SELECT public.set_budget('service', 'a', 'day', 1)$$), 'ERROR 42501',
          'authenticated may not set budgets');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM public.budget_usage()$$), 'ERROR 42501',
          'anon may not read budget_usage');
SELECT is(test_helpers.as_role('service_role', $$SELECT public.set_budget('service', 'architect', 'day', 5) ->> 'created'$$),
          'true', 'service_role sets a budget');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.set_budget('service', 'architect', 'day', 4) ->> 'previousLimit'$$),
          '5.000000', 'moose_runner changes it; the answer names the previous limit');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.set_budget'), 2, 'each change is audited');
SELECT is(test_helpers.as_role('authenticated', $$SELECT public.remove_budget('service', 'architect', 'day')$$), 'ERROR 42501',
          'authenticated may not remove budgets');

-- The global day budget is daily_budget_limit.
SELECT public.set_budget('global', '*', 'day', 900);
SELECT is((SELECT (value #>> '{}')::numeric FROM public.system_config WHERE key = 'daily_budget_limit'), 900::numeric,
          'set_budget(global, *, day) is daily_budget_limit');
UPDATE public.system_config SET value = '800' WHERE key = 'daily_budget_limit';
SELECT is((SELECT budget_limit FROM public.budgets WHERE scope = 'global' AND period = 'day'), 800::numeric(16, 6),
          'and the runbook''s UPDATE of the key changes the budget');

-- A service budget: its own limit, and all or nothing with the global one.
SELECT is(public.check_and_reserve_budget(3, 'architect') ->> 'canProceed', 'true', 'within the service budget');
CREATE TEMP TABLE refused AS SELECT public.check_and_reserve_budget(1.5, 'architect') AS a;
SELECT is((SELECT a ->> 'reason' FROM refused), 'limit_exceeded', 'past the service budget: limit_exceeded');
SELECT is((SELECT (a -> 'scope') - 'periodStart' FROM refused),
          '{"scope": "service", "key": "architect", "budgetKey": "architect", "period": "day", "limit": 4.000000,
            "spent": 0, "reserved": 3.000000, "remaining": 1.000000}'::jsonb,
          'the refusal says which scope, its limit, spent, reserved and remaining');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 3::numeric,
          'all or nothing: the refused call left nothing on the global budget');
SELECT is(public.check_and_reserve_budget(1.5, 'coder') ->> 'canProceed', 'true', 'another service is not limited by it');

-- * = each service separately; a specific key overrides it.
SELECT public.set_budget('service', '*', 'day', 2);
SELECT is(public.check_and_reserve_budget(1.5, 'tester') ->> 'canProceed', 'true', 'tester gets its own 2 from *');
SELECT is(public.check_and_reserve_budget(1.5, 'reviewer') ->> 'canProceed', 'true', 'reviewer too, separately');
SELECT is(public.check_and_reserve_budget(1, 'tester') ->> 'reason', 'limit_exceeded', 'tester''s 2 is used up');
SELECT is(public.check_and_reserve_budget(0.9, 'architect') ->> 'canProceed', 'true',
          'architect keeps its own row (4) over the * row (2)');

-- Removing the override puts the key back under *: its stripes re-split to 2 (it holds 3.9).
SELECT public.remove_budget('service', 'architect', 'day');
SELECT is(public.check_and_reserve_budget(0.01, 'architect') ->> 'reason', 'limit_exceeded',
          'without its own row architect is held to the * limit');
SELECT is((SELECT sum(allowance) FROM public.budget_stripes WHERE scope = 'service' AND key = 'architect'), 2::numeric,
          'its stripes add up to the * limit');

-- Project budgets by metadata.project, per month; work-order budgets by metadata.work_order_id.
SELECT public.set_budget('project', 'checkout', 'month', 1);
SELECT is(public.check_and_reserve_budget(0.6, 'coder', '{"project": "checkout"}') ->> 'canProceed', 'true',
          'a project budget admits within its month');
SELECT is(public.check_and_reserve_budget(0.6, 'coder', '{"project": "checkout"}') -> 'scope' ->> 'scope', 'project',
          'and refuses past it, naming the project scope');
SELECT public.set_budget('work_order', '*', 'total', 0.5);
SELECT is(public.check_and_reserve_budget(0.5, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000001"}') ->> 'canProceed',
          'true', 'a work order''s total budget admits');
SELECT is(public.check_and_reserve_budget(0.1, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000001"}') -> 'scope' ->> 'period',
          'total', 'and then refuses: its total is spent');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.1, 'coder', '{"work_order_id": "nope"}')$$,
                 '22023', 'metadata.work_order_id is not a uuid: nope',
                 'a work_order_id that is not a uuid is refused at reservation time');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.1, 'coder', '{"work_order_id": "00000000-0000-4000-8000-00000000dead"}')$$,
                 'P0002', 'work order 00000000-0000-4000-8000-00000000dead does not exist',
                 'a work_order_id of no work order is refused at reservation time');

-- Settle and release act on exactly the stripes debited: every stripe equals its cost rows
-- plus open reservations.
CREATE TEMP TABLE wo2 AS
    SELECT public.check_and_reserve_budget(0.4, 'tester2', '{"work_order_id": "00000000-0000-4000-8000-000000000002", "project": "checkout"}') AS a;
SELECT is((SELECT jsonb_array_length(debits) FROM public.budget_reservations WHERE id = (SELECT (a ->> 'reservationId')::uuid FROM wo2)),
          4, 'global, service, project and work-order stripes debited');
SELECT public.settle_reservation((SELECT (a ->> 'reservationId')::uuid FROM wo2), 0.45);
SELECT is((SELECT spent FROM public.budget_stripes WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-000000000002'),
          0.45::numeric(16, 6), 'the settle books the actual cost on the work order''s stripe');
SELECT public.release_reservation(r.id) FROM public.budget_reservations AS r WHERE r.status = 'open' AND r.service_name = 'tester';
SELECT is_empty($$SELECT * FROM public.budget_stripe_mismatches$$,
          'every stripe: spent = its cost rows, reserved = its open reservations');
-- A stripe written past the gate shows up in the audit with what its rows say.
UPDATE public.budget_stripes SET spent = spent + 1 WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-000000000002';
SELECT results_eq($$SELECT scope, key, spent, spent_booked, reserved, reserved_open FROM public.budget_stripe_mismatches$$,
                  $$VALUES ('work_order'::text, '00000000-0000-4000-8000-000000000002'::text, 1.45::numeric(16, 6), 0.45::numeric, 0::numeric(16, 6), 0::numeric)$$,
                  'budget_stripe_mismatches names a stripe whose spent differs from its cost rows');
UPDATE public.budget_stripes SET spent = spent - 1 WHERE scope = 'work_order' AND key = '00000000-0000-4000-8000-000000000002';

-- budget_usage: fullest first; budget_status shows the three fullest scopes.
SELECT is((SELECT scope || ':' || key FROM public.budget_usage() LIMIT 1), 'service:architect', 'budget_usage lists the fullest first');
SELECT is((SELECT count(*)::int FROM public.budget_usage('work_order')), 2, 'budget_usage(scope) narrows to one scope');
SELECT is(jsonb_array_length(public.budget_status() -> 'fullest_scopes'), 3, 'budget_status adds the three fullest scopes');

-- Periods in a non-UTC zone: a day and a month start at local midnight.
UPDATE public.system_config SET value = '"America/New_York"' WHERE key = 'budget_timezone';
SELECT is(private.budget_period_start('month', private.budget_day('2026-12-01 04:59:59+00')), '2026-11-01'::date,
          'New York: 04:59:59 UTC on 1 December is still November''s month');
SELECT is(private.budget_period_start('month', private.budget_day('2026-12-01 05:00:00+00')), '2026-12-01'::date,
          'New York: 05:00 UTC on 1 December starts December''s month');
-- A project of its own and the ledger's figures before the inserts, so that no reservation made
-- earlier in this file at now() (whatever today is) counts in what is checked.
SELECT public.set_budget('project', 'month-edge', 'month', 10);
CREATE TEMP TABLE ledger_before AS
    SELECT budget_day, spent FROM public.budget_ledger WHERE budget_day IN ('2026-11-30', '2026-12-01');
INSERT INTO public.cost_tracking (service_name, cost, metadata, created_at) VALUES
    ('coder', 0.2, '{"project": "month-edge"}', '2026-12-01 04:59:59+00'),
    ('coder', 0.3, '{"project": "month-edge"}', '2026-12-01 05:00:01+00');
SELECT is((SELECT string_agg(period_start || '=' || spent, ',' ORDER BY period_start)
           FROM (SELECT period_start, sum(spent) AS spent FROM public.budget_stripes
                 WHERE scope = 'project' AND key = 'month-edge' GROUP BY period_start HAVING sum(spent) > 0) AS months),
          '2026-11-01=0.200000,2026-12-01=0.300000', 'direct cost rows book on the month of their local day');
SELECT is((SELECT l.spent - coalesce(b.spent, 0) FROM public.budget_ledger AS l
           LEFT JOIN ledger_before AS b USING (budget_day) WHERE l.budget_day = '2026-11-30'), 0.2::numeric,
          'and on the global day of their local day (the 30th, New York)');

SELECT * FROM finish();
ROLLBACK;
