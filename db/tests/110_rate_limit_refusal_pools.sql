-- A token draw larger than one stripe: a refusal pools the limit's stripes (what they hold,
-- split in proportion to their shares), so they refill together as one bucket would and the
-- refusal's retryAfterMs is when the limit holds the call. 40,000 tokens a minute are two
-- stripes of 20,000; X draws 20,000, Y asks 30,000: one bucket holds 30,000 after 15 s. Before,
-- the refusal left one stripe full, which lost its refill: Y, told 15 s, was refused at 15 s
-- and admitted only after 30 s. At pinned instants through private.rate_limit_take, then through
-- the gate with the stripes' clocks moved back by the delay the refusal named.
BEGIN;
SELECT plan(14);

CREATE FUNCTION pg_temp.stripes(p_key text) RETURNS TABLE (stripe smallint, available numeric) LANGUAGE sql AS $$
    SELECT r.stripe, r.available FROM public.rate_limits AS r WHERE r.key = p_key AND r.kind = 'tokens' ORDER BY r.stripe
$$;

SELECT set_rate_limit('service', 'ra-tok', NULL, 40000);
SELECT is((SELECT count(*)::int FROM public.rate_limits WHERE key = 'ra-tok'), 2, '40,000 tokens a minute are two stripes');
UPDATE public.rate_limits SET refilled_at = '2027-03-01 12:00:00+00' WHERE key = 'ra-tok';

SELECT is(test_helpers.rate_holds(private.rate_limit_take('ra-tok', NULL, NULL, 20000, '2027-03-01 12:00:00+00') -> 'holds'),
          '[[2, "ra-tok", "tokens", 20000]]', 'X draws 20,000 (one stripe)');
SELECT is(private.rate_limit_take('ra-tok', NULL, NULL, 30000, '2027-03-01 12:00:00+00'),
          '{"refused": {"scope": "service", "key": "ra-tok", "kind": "tokens", "perMinute": 40000, "available": 20000,
                        "cost": 30000, "retryAfterMs": 15000}}',
          'Y asks 30,000: refused, to retry in 15 s (10,000 short at 40,000 a minute)');
SELECT results_eq($$SELECT * FROM pg_temp.stripes('ra-tok')$$, $$VALUES (0::smallint, 10000::numeric), (1::smallint, 10000::numeric)$$,
                  'the refusal pooled the stripes: 10,000 each, nothing added or lost');
SELECT is(private.rate_limit_take('ra-tok', NULL, NULL, 30000, '2027-03-01 12:00:14.999+00') #>> '{refused,retryAfterMs}', '1',
          'a millisecond early it is still refused, and told 1 ms');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('ra-tok', NULL, NULL, 30000, '2027-03-01 12:00:15+00') -> 'holds'),
          '[[2, "ra-tok", "tokens", 30000]]', 'at the stated 15 s Y is admitted, as one bucket admits it');
SELECT is((SELECT round(sum(available), 9) FROM pg_temp.stripes('ra-tok')), 0::numeric, 'and the limit holds nothing (to the billionth)');

-- A call of the whole figure needs every stripe full: told when they are.
SELECT set_rate_limit('service', 'ra-full', NULL, 40000);
UPDATE public.rate_limits SET refilled_at = '2027-03-01 12:00:00+00' WHERE key = 'ra-full';
SELECT private.rate_limit_take('ra-full', NULL, NULL, 20000, '2027-03-01 12:00:00+00');
SELECT is(private.rate_limit_take('ra-full', NULL, NULL, 40000, '2027-03-01 12:00:00+00') #>> '{refused,retryAfterMs}', '30000',
          'a call of the whole 40,000 after a draw of 20,000 is told 30 s');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('ra-full', NULL, NULL, 40000, '2027-03-01 12:00:30+00') -> 'holds'),
          '[[2, "ra-full", "tokens", 40000]]', 'and admitted at 30 s');

-- Through the gate (its clock is the real one): wait as told by moving the stripes' clocks back
-- by retryAfterMs; time that really passes only adds to what they hold.
SELECT set_rate_limit('service', 'ra-gate', NULL, 40000);
CREATE TEMP TABLE answers (name text PRIMARY KEY, answer jsonb);
INSERT INTO answers VALUES ('x', check_and_reserve_budget(0.01, 'ra-gate', '{"input_tokens": 12000, "max_output_tokens": 8000}'));
INSERT INTO answers VALUES ('y1', check_and_reserve_budget(0.01, 'ra-gate', '{"input_tokens": 20000, "max_output_tokens": 10000}'));
SELECT is((SELECT answer ->> 'canProceed' FROM answers WHERE name = 'x'), 'true', 'X is admitted for 20,000 tokens');
SELECT is((SELECT answer ->> 'reason' FROM answers WHERE name = 'y1'), 'rate_limited', 'Y, asking 30,000, is refused');
SELECT cmp_ok((SELECT (answer ->> 'retryAfterMs')::int FROM answers WHERE name = 'y1'), '<=', 15000,
              'told to retry within 15 s');
UPDATE public.rate_limits
SET refilled_at = refilled_at - make_interval(secs => (SELECT (answer ->> 'retryAfterMs')::numeric / 1000 FROM answers WHERE name = 'y1'))
WHERE key = 'ra-gate';
INSERT INTO answers VALUES ('y2', check_and_reserve_budget(0.01, 'ra-gate', '{"input_tokens": 20000, "max_output_tokens": 10000}'));
SELECT is((SELECT answer ->> 'canProceed' FROM answers WHERE name = 'y2'), 'true', 'after the stated delay Y is admitted');
SELECT is((SELECT test_helpers.rate_holds(rate_holds) FROM public.budget_reservations
           WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'y2')),
          '[[2, "ra-gate", "tokens", 30000]]'::jsonb, 'drawing its 30,000 tokens');

SELECT * FROM finish();
ROLLBACK;
