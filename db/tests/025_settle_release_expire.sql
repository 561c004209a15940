-- settle_reservation writes the cost row exactly once; release_reservation and
-- expire_reservations free amounts; each bad id or state is a clear error writing nothing.
BEGIN;
SELECT plan(33);

CREATE TEMP TABLE res AS
SELECT (public.check_and_reserve_budget(2, 'coder', '{"model": "gpt-4o"}') ->> 'reservationId')::uuid AS a,
       (public.check_and_reserve_budget(3, 'coder') ->> 'reservationId')::uuid AS b,
       (public.check_and_reserve_budget(4, 'coder') ->> 'reservationId')::uuid AS c,
       (public.check_and_reserve_budget(1, 'coder') ->> 'reservationId')::uuid AS d;
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 10::numeric(16, 6),
          'four reservations hold 10');

-- Settle: more than estimated is allowed; the cost row is written once.
CREATE TEMP TABLE s1 AS SELECT public.settle_reservation((SELECT a FROM res), 2.5, '{"tokens_out": 900}') AS s;
SELECT is((SELECT s ->> 'status' FROM s1), 'settled', 'settled');
SELECT is((SELECT count(*)::int FROM public.cost_tracking WHERE reservation_id = (SELECT a FROM res)), 1, 'one cost row');
SELECT is((SELECT cost FROM public.cost_tracking WHERE reservation_id = (SELECT a FROM res)), 2.5::numeric(14, 6),
          'the actual cost may exceed the estimate');
SELECT is((SELECT metadata ->> 'model' FROM public.cost_tracking WHERE reservation_id = (SELECT a FROM res)), 'gpt-4o',
          'the cost row records the model used and the caller''s metadata');
SELECT is((SELECT row(spent, reserved)::text FROM public.budget_ledger WHERE budget_day = private.budget_day(now())),
          '(2.500000,8.000000)', 'spent counts the cost once; reserved is freed');
SELECT is((SELECT (s ->> 'costTrackingId')::bigint FROM s1),
          (public.settle_reservation((SELECT a FROM res), 2.5) ->> 'costTrackingId')::bigint,
          'settling again with the same cost returns the same row');
SELECT is((SELECT count(*)::int FROM public.cost_tracking), 1, 'and writes nothing');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT a FROM res), 3)$$, '55000',
                 format('reservation %s is already settled with cost 2.500000', (SELECT a FROM res)),
                 'settling again with another cost is an error');
SELECT is(public.settle_reservation((SELECT d FROM res), 0) ->> 'status', 'settled', 'a zero cost settles');

-- Bad input to settle.
SELECT throws_ok($$SELECT public.settle_reservation(NULL, 1)$$, '22004', 'reservation id must not be NULL', 'settle: id NULL');
SELECT throws_ok($$SELECT public.settle_reservation('00000000-0000-4000-8000-0000000000f0', 1, '{"work_order_id": "wo-7"}')$$,
                 '22023', 'metadata.work_order_id is not a uuid: wo-7',
                 'settle: a work_order_id that is no uuid is 22023 before the unknown reservation is looked up');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), NULL)$$, '22004', 'actual cost must not be NULL',
                 'settle: cost NULL');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), -0.01)$$,
                 '22023', 'actual cost must not be negative, got -0.01', 'settle: negative cost');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), 'NaN')$$,
                 '22023', 'actual cost must be a finite number, got NaN', 'settle: NaN cost');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), 'Infinity')$$,
                 '22023', 'actual cost must be a finite number, got Infinity', 'settle: Infinity cost');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), 1, '[]')$$,
                 '22023', 'metadata must be a JSON object, got array', 'settle: metadata not an object');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), 1, '{"work_order_id": "nope"}')$$,
                 '22023', 'metadata.work_order_id is not a uuid: nope', 'settle: work_order_id not a uuid');
SELECT matches(test_helpers.error_of($$SELECT public.settle_reservation(gen_random_uuid(), 1)$$),
               '^P0002: reservation [0-9a-f-]{36} does not exist$', 'settle: unknown id');

-- Release.
SELECT is(public.release_reservation((SELECT b FROM res)) ->> 'released', 'true', 'release frees an open reservation');
SELECT is(public.release_reservation((SELECT b FROM res)) ->> 'released', 'false', 'releasing again changes nothing');
SELECT throws_ok($$SELECT public.settle_reservation((SELECT b FROM res), 1)$$, '55000',
                 format('reservation %s is released and cannot be settled', (SELECT b FROM res)),
                 'a released reservation cannot be settled');
SELECT throws_ok($$SELECT public.release_reservation((SELECT a FROM res))$$, '55000',
                 format('reservation %s is already settled and cannot be released', (SELECT a FROM res)),
                 'a settled reservation cannot be released');
SELECT throws_ok($$SELECT public.release_reservation(NULL)$$, '22004', 'reservation id must not be NULL', 'release: id NULL');
SELECT matches(test_helpers.error_of($$SELECT public.release_reservation(gen_random_uuid())$$),
               '^P0002: reservation [0-9a-f-]{36} does not exist$', 'release: unknown id');

-- Expiry.
UPDATE public.budget_reservations SET expires_at = now() - interval '1 second' WHERE id = (SELECT c FROM res);
SELECT throws_ok($$SELECT public.settle_reservation((SELECT c FROM res), 1)$$, '55000',
                 format('reservation %s is expired and cannot be settled', (SELECT c FROM res)),
                 'a reservation past its expiry cannot be settled, even before the sweep');
SELECT is(public.expire_reservations(), 1, 'expire_reservations expires the one past due');
SELECT is(public.expire_reservations(), 0, 'and nothing the second time');
SELECT is((SELECT status FROM public.budget_reservations WHERE id = (SELECT c FROM res)), 'expired', 'marked expired');
SELECT is((SELECT row(spent, reserved)::text FROM public.budget_ledger WHERE budget_day = private.budget_day(now())),
          '(2.500000,0.000000)', 'every amount is freed; spent is the one settled cost');
SELECT is((SELECT spent FROM public.budget_ledger WHERE budget_day = private.budget_day(now())),
          (SELECT sum(cost)::numeric(16, 6) FROM public.cost_tracking), 'the ledger equals SUM(cost_tracking)');

-- A full day with a reservation past its expiry: the reservation call frees it at once.
UPDATE public.system_config SET value = '5' WHERE key = 'daily_budget_limit';
CREATE TEMP TABLE late AS SELECT (public.check_and_reserve_budget(2.5, 'coder') ->> 'reservationId')::uuid AS id;
UPDATE public.budget_reservations SET expires_at = now() - interval '1 second' WHERE id = (SELECT id FROM late);
SELECT is(public.check_and_reserve_budget(2.5, 'coder') ->> 'canProceed', 'true',
          'a full day admits again once a reservation is past its expiry, before the sweep runs');
SELECT is((SELECT status FROM public.budget_reservations WHERE id = (SELECT id FROM late)), 'expired',
          'the late reservation was expired by that call');

SELECT * FROM finish();
ROLLBACK;
