-- Every bad input to check_and_reserve_budget is an error with a stable SQLSTATE that writes
-- nothing.
BEGIN;
SELECT plan(22);

SELECT throws_ok($$SELECT public.check_and_reserve_budget(NULL, 'svc')$$, '22004', NULL, 'amount NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0, 'svc')$$, '22023', NULL, 'amount zero');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(-1, 'svc')$$, '22023', NULL, 'amount negative');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('NaN', 'svc')$$, '22023', NULL, 'amount NaN');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('Infinity', 'svc')$$, '22023', NULL, 'amount Infinity');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('-Infinity', 'svc')$$, '22023', NULL, 'amount -Infinity');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(25.000001, 'svc')$$, '22023', NULL,
                 'amount above max_single_reservation');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(25.000001, 'svc', '{"work_order_id": "00000000-0000-4000-8000-0000000000f0"}')$$,
                 '22023', NULL, 'amount above max_single_reservation is 22023 before the unknown work order is looked up');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1e300, 'svc')$$, '22023', NULL, 'a huge amount');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.0000001, 'svc')$$, '22023', NULL, 'more than 6 decimals');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, NULL)$$, '22004', NULL, 'service name NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, '')$$, '22023', NULL, 'service name empty');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, '   ')$$, '22023', NULL, 'service name blank');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, repeat('x', 201))$$, '22023', NULL, 'service name over 200 characters');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', NULL)$$, '22004', NULL, 'metadata NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '[1, 2]')$$, '22023', NULL, 'metadata an array');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '"text"')$$, '22023', NULL, 'metadata a string');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '{"idempotency_key": 5}')$$, '22023', NULL,
                 'idempotency_key not a string');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', jsonb_build_object('idempotency_key', repeat('k', 201)))$$,
                 '22023', NULL, 'idempotency_key too long');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '{"model": ""}')$$, '22023', NULL, 'model empty');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', jsonb_build_object('blob', repeat('x', 70000)))$$,
                 '22023', NULL, 'metadata over 64 kB');

SELECT ok((SELECT count(*) FROM public.budget_reservations) = 0
          AND (SELECT coalesce(sum(reserved), 0) FROM public.budget_ledger) = 0,
          'no bad input wrote a reservation or moved the ledger');

SELECT * FROM finish();
ROLLBACK;
