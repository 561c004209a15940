-- Names a budget matches on pass through the shared blank rule (private.strip_blank, as
-- set_budget keys do): a service name, metadata.project or metadata.work_order_id with
-- invisible surrounding blanks (U+200B zero-width space, U+00A0 no-break space, U+FEFF, a tab)
-- is the stripped name, so its budget applies; the reservation records the stripped service
-- name, a replay with either spelling is the same reservation, and a direct cost row books on
-- the stripped name's budget. Only blanks stays 22023.
BEGIN;
SELECT plan(13);

SELECT public.set_budget('service', 'svc', 'day', 1);
SELECT is(public.check_and_reserve_budget(5, U&'svc\200B') #>> '{scope,key}', 'svc',
          'svc + U+200B is refused by svc''s budget');
SELECT is(public.check_and_reserve_budget(5, U&'svc\00A0') #>> '{scope,key}', 'svc',
          'svc + U+00A0 too');
SELECT is(public.check_and_reserve_budget(5, E'\tsvc') #>> '{scope,key}', 'svc', 'a leading tab too');
CREATE TEMP TABLE r1 AS
SELECT public.check_and_reserve_budget(0.4, U&'\FEFFsvc', '{"idempotency_key": "blank-1"}') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM r1), 'true', 'within svc''s limit it is admitted');
SELECT is((SELECT service_name FROM public.budget_reservations WHERE id = (SELECT (a ->> 'reservationId')::uuid FROM r1)),
          'svc', 'and recorded under the stripped name');
SELECT is((SELECT reserved FROM public.budget_usage('service') WHERE key = 'svc'), 0.4::numeric,
          'on svc''s stripes');
SELECT is(public.check_and_reserve_budget(0.4, 'svc', '{"idempotency_key": "blank-1"}') ->> 'idempotentReplay', 'true',
          'a retry spelled without the blank is the same reservation');

SELECT public.set_budget('project', 'checkout', 'month', 1);
SELECT is(public.check_and_reserve_budget(2, 'other', jsonb_build_object('project', U&'checkout\200B')) #>> '{scope,key}',
          'checkout', 'metadata.project + U+200B is refused by checkout''s budget');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'other', jsonb_build_object('project', U&'\200B\00A0'))$$,
                 '22023', 'metadata.project must be a string of 1 to 200 characters',
                 'a project of blanks only is still refused');

INSERT INTO public.work_orders (id, title, status) VALUES ('00000000-0000-4000-8000-000000003801', 'blank', 'in_progress');
SELECT public.set_budget('work_order', '00000000-0000-4000-8000-000000003801', 'total', 1);
SELECT is(public.check_and_reserve_budget(2, 'other',
              jsonb_build_object('work_order_id', U&'00000000-0000-4000-8000-000000003801\200B')) #>> '{scope,scope}',
          'work_order', 'metadata.work_order_id + U+200B is the work order, and its budget refuses');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, U&'\200B\3000')$$,
                 '22023', 'service name must not be blank (white space only)', 'a service name of blanks only is still refused');

-- A cost row written directly books on the stripped name's budget.
INSERT INTO public.cost_tracking (service_name, cost, metadata)
VALUES (U&'svc\200B', 0.25, jsonb_build_object('project', U&'\00A0checkout'));
SELECT is((SELECT spent FROM public.budget_usage('service') WHERE key = 'svc'), 0.25::numeric,
          'a direct cost row for svc + U+200B counts on svc');
SELECT is((SELECT spent FROM public.budget_usage('project') WHERE key = 'checkout'), 0.25::numeric,
          'and its project U+00A0 + checkout on checkout');

SELECT * FROM finish();
ROLLBACK;
