-- settle_reservation takes token counts both or neither: input_tokens and output_tokens
-- together (cached_input_tokens among the input tokens), whole numbers. Half a count (input
-- tokens alone, output tokens alone, cached alone, a count given as null or as a string) is
-- 22023 with a hint and writes nothing: the reservation stays open and the tokens bucket keeps
-- what the call drew (before: the check evaluated to NULL and the settle went through). The
-- bucket is frozen (refilled_at a day ahead).
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE res AS
SELECT (public.check_and_reserve_budget(0.01, 'half', '{"input_tokens": 100, "max_output_tokens": 5000}') ->> 'reservationId')::uuid AS id
FROM (SELECT set_rate_limit('service', 'half', NULL, 100000)) AS s;
SELECT is((SELECT count(*)::int FROM res WHERE id IS NOT NULL), 1, 'a call drawing 5,100 tokens is reserved');
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'half'), 94900::numeric, 'the bucket holds 94,900');

CREATE FUNCTION pg_temp.settle(p_metadata jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT public.settle_reservation((SELECT id FROM res), 0.002, p_metadata)
$$;
SELECT throws_ok($$SELECT pg_temp.settle('{"input_tokens": 100}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'input tokens alone are refused');
SELECT throws_ok($$SELECT pg_temp.settle('{"output_tokens": 100}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'output tokens alone are refused');
SELECT throws_ok($$SELECT pg_temp.settle('{"cached_input_tokens": 10}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'cached input tokens alone are refused');
SELECT throws_ok($$SELECT pg_temp.settle('{"input_tokens": 100, "output_tokens": null}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'an output count of null is refused');
SELECT throws_ok($$SELECT pg_temp.settle('{"input_tokens": 100, "output_tokens": 10, "cached_input_tokens": "5"}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'a cached count given as a string is refused');
SELECT throws_ok($$SELECT pg_temp.settle('{"input_tokens": 100, "output_tokens": 10, "cached_input_tokens": 101}')$$,
                 '22023', 'metadata.cached_input_tokens (101) must not exceed metadata.input_tokens (100)',
                 'more cached input tokens than input tokens are refused');
SELECT isnt(test_helpers.hint_of($$SELECT pg_temp.settle('{"input_tokens": 100}')$$), NULL, 'each refusal says what to pass');

SELECT is((SELECT status FROM public.budget_reservations WHERE id = (SELECT id FROM res)), 'open', 'nothing was settled');
SELECT is((SELECT count(*)::int FROM public.cost_tracking WHERE reservation_id = (SELECT id FROM res)), 0, 'no cost row was written');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'half'), 94900::numeric, 'nothing went back to the bucket');

SELECT is(pg_temp.settle('{"input_tokens": 100, "output_tokens": 400, "cached_input_tokens": 60}') ->> 'status', 'settled',
          'both counts settle');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'half'), 99500::numeric,
          'and give back the 4,600 tokens drawn and not used');

SELECT * FROM finish();
ROLLBACK;
