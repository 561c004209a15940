-- Every bad input to check_and_reserve_budget is an error with a stable SQLSTATE that writes
-- nothing.
BEGIN;
SELECT plan(22);

SELECT throws_ok($$SELECT public.check_and_reserve_budget(NULL, 'svc')$$, '22004', 'amount must not be NULL', 'amount NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0, 'svc')$$, '22023', 'amount must be positive, got 0', 'amount zero');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(-1, 'svc')$$, '22023', 'amount must be positive, got -1',
                 'amount negative');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('NaN', 'svc')$$, '22023', 'amount must be a finite number, got NaN',
                 'amount NaN');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('Infinity', 'svc')$$,
                 '22023', 'amount must be a finite number, got Infinity', 'amount Infinity');
SELECT throws_ok($$SELECT public.check_and_reserve_budget('-Infinity', 'svc')$$,
                 '22023', 'amount must be a finite number, got -Infinity', 'amount -Infinity');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(25.000001, 'svc')$$,
                 '22023', 'amount 25.000001 is above the largest single reservation 25', 'amount above max_single_reservation');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(25.000001, 'svc', '{"work_order_id": "00000000-0000-4000-8000-0000000000f0"}')$$,
                 '22023', 'amount 25.000001 is above the largest single reservation 25',
                 'amount above max_single_reservation is 22023 before the unknown work order is looked up');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1e300, 'svc')$$, '22023',
                 'amount 1' || repeat('0', 300) || ' is above the largest single reservation 25', 'a huge amount');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.0000001, 'svc')$$,
                 '22023', 'amount has more than 6 decimal places: 0.0000001', 'more than 6 decimals');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, NULL)$$, '22004', 'service name must not be NULL',
                 'service name NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, '')$$, '22023', 'service name must not be blank (white space only)',
                 'service name empty');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, '   ')$$,
                 '22023', 'service name must not be blank (white space only)', 'service name blank');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, repeat('x', 201))$$,
                 '22023', 'service name must be at most 200 characters, got 201', 'service name over 200 characters');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', NULL)$$, '22004', 'metadata must not be NULL',
                 'metadata NULL');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '[1, 2]')$$,
                 '22023', 'metadata must be a JSON object, got array', 'metadata an array');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '"text"')$$,
                 '22023', 'metadata must be a JSON object, got string', 'metadata a string');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '{"idempotency_key": 5}')$$,
                 '22023', 'metadata.idempotency_key must be a string of 1 to 200 characters', 'idempotency_key not a string');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', jsonb_build_object('idempotency_key', repeat('k', 201)))$$,
                 '22023', 'metadata.idempotency_key must be a string of 1 to 200 characters', 'idempotency_key too long');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', '{"model": ""}')$$,
                 '22023', 'metadata.model must be a string of 1 to 200 characters', 'model empty');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(1, 'svc', jsonb_build_object('blob', repeat('x', 70000)))$$,
                 '22023', 'metadata is too large (70020 bytes)', 'metadata over 64 kB');

SELECT ok((SELECT count(*) FROM public.budget_reservations) = 0
          AND (SELECT coalesce(sum(reserved), 0) FROM public.budget_ledger) = 0,
          'no bad input wrote a reservation or moved the ledger');

SELECT * FROM finish();
ROLLBACK;
