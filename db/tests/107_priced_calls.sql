-- Priced calls: reserve_llm_call prices from the price in effect (input x input rate + maximum
-- output x output rate, rounded up to the micro-dollar) and reserves as the gate does, recording
-- the price row; settle_llm_call prices the actual tokens at that same row (cached input tokens
-- once, at the cached rate) and settles. Rates are USD per million tokens, so tokens x rate is
-- micro-dollars.
BEGIN;
SELECT plan(27);

-- Two prices of one model, both in the past (written directly: the API only schedules new
-- rows from now on), so that the newer one takes effect between a reservation and its settle.
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, max_output_tokens)
VALUES ('test-model', now() - interval '2 hours', 2.5, 10, 1.25, 4096);
SELECT set_rate_limit('model', 'test-model', NULL, 100000);
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';  -- frozen: exact figures
CREATE TEMP TABLE answers (name text PRIMARY KEY, answer jsonb);

-- Reserve: priced, admitted, the price row recorded.
INSERT INTO answers VALUES ('a', reserve_llm_call('svc', 'test-model', 1000, 500));
SELECT is((SELECT answer -> 'priced' FROM answers WHERE name = 'a'),
          jsonb_build_object('model', 'test-model', 'priceEffectiveFrom', now() - interval '2 hours', 'inputTokens', 1000,
                             'maxOutputTokens', 500, 'amount', 0.0075),
          'priced at 1000 x 2.5 + 500 x 10 micro-dollars = 0.0075 USD, and the answer says from which price');
SELECT is((SELECT answer ->> 'canProceed' FROM answers WHERE name = 'a'), 'true', 'and admitted by the gate');
SELECT is((SELECT (answer ->> 'amount')::numeric FROM answers WHERE name = 'a'), 0.0075, 'for exactly that amount');
SELECT results_eq($$SELECT price_model, price_effective_from, priced_input_tokens, priced_max_output_tokens, model
                    FROM public.budget_reservations WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a')$$,
                  $$VALUES ('test-model'::text, now() - interval '2 hours', 1000, 500, 'test-model'::text)$$,
                  'the reservation records the price row, the counts it was priced for, and the model as the gate''s model');
SELECT is((SELECT pg_temp_holds FROM (SELECT jsonb_path_query_array(rate_holds, '$[*][2 to 3]') AS pg_temp_holds
           FROM public.budget_reservations WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a')) AS h),
          '["tokens", 1500]'::jsonb, 'its input plus maximum output tokens are drawn from the model''s token limit');
SELECT is((reserve_llm_call('svc', 'test-model', 1000) -> 'priced' ->> 'maxOutputTokens')::int, 4096,
          'without a maximum output, the model''s max_output_tokens is priced');
SELECT is((reserve_llm_call('svc', 'test-model', 1, 1) -> 'priced' ->> 'amount')::numeric, 0.000013,
          '2.5 + 10 micro-dollars is rounded up to 13');

-- A newer price takes effect; the reservation still settles at its own.
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, max_output_tokens)
VALUES ('test-model', now() - interval '1 minute', 5, 20, 2.5, 4096);
SELECT is((reserve_llm_call('svc', 'test-model', 1000, 500) -> 'priced' ->> 'amount')::numeric, 0.015,
          'a new reservation is priced at the price now in effect');
INSERT INTO answers VALUES ('a-settled', settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a'), 800, 300, 200));
SELECT is((SELECT answer -> 'priced' FROM answers WHERE name = 'a-settled'),
          jsonb_build_object('model', 'test-model', 'priceEffectiveFrom', now() - interval '2 hours', 'inputTokens', 800,
                             'outputTokens', 300, 'cachedInputTokens', 200, 'cacheWriteTokens', 0, 'cost', 0.00475),
          'the settle prices at the reservation''s row: (800 - 200) x 2.5 + 200 cached x 1.25 + 300 x 10 = 4750 micro-dollars');
SELECT is((SELECT answer ->> 'status' FROM answers WHERE name = 'a-settled'), 'settled', 'and settles the reservation');
SELECT results_eq($$SELECT cost, (metadata ->> 'input_tokens')::int, (metadata ->> 'output_tokens')::int, (metadata ->> 'cached_input_tokens')::int
                    FROM public.cost_tracking WHERE reservation_id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a')$$,
                  $$VALUES (0.00475::numeric(12, 6), 800, 300, 200)$$, 'the cost row holds the cost and the token counts');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'test-model'), (100000 - 1500 - 5096 - 2 - 1500 + 400)::numeric,
          'the settle gave back the tokens drawn and not used (1500 drawn, 1100 used)');
SELECT is((settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a'), 800, 300, 200)) ->> 'alreadySettled', 'true',
          'the same counts again answer the same settle');
SELECT throws_ok($$SELECT settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'a'), 900, 300, 200)$$,
                 '55000', (SELECT format('reservation %s is already settled with cost 0.004750', answer ->> 'reservationId')
                           FROM answers WHERE name = 'a'),
                 'other counts for a settled reservation are refused');

-- Cached tokens are counted once: all-cached input costs the cached rate only.
INSERT INTO answers VALUES ('b', reserve_llm_call('svc', 'test-model', 1000, 0));
SELECT is((settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'b'), 1000, 0, 1000) -> 'priced' ->> 'cost')::numeric,
          0.0025, '1000 input tokens all cached cost 1000 x 2.5 (the cached rate of the newer price), not also the input rate');

-- Refusals: a model without a price, without a maximum output; bad input; the wrong settle.
SELECT throws_ok($$SELECT reserve_llm_call('svc', 'no-such-model', 10, 10)$$,
                 'P0002', format('no price for model no-such-model at %s', now()),
                 'a model with no price is refused, not priced at zero');
SELECT matches(test_helpers.hint_of($$SELECT reserve_llm_call('svc', 'no-such-model', 10, 10)$$), 'set_model_price',
               'and the hint names set_model_price');
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
VALUES ('no-max', now() - interval '1 hour', 1, 1);
SELECT throws_ok($$SELECT reserve_llm_call('svc', 'no-max', 10)$$,
                 '22023', 'no maximum output tokens for no-max : the call cannot be priced',
                 'no maximum output given and none known for the model: 22023');
SELECT matches(test_helpers.hint_of($$SELECT reserve_llm_call('svc', 'no-max', 10)$$), 'p_max_output_tokens', 'whose hint says what to pass');
SELECT throws_ok($$SELECT reserve_llm_call(NULL, 'test-model', 10, 10)$$, '22004', 'service must not be NULL',
                 'a NULL service is 22004');
SELECT throws_ok($$SELECT reserve_llm_call('svc', 'test-model', -1, 10)$$,
                 '22023', 'input tokens must be between 0 and 100000000, got -1', 'negative input tokens are 22023');
SELECT throws_ok($$SELECT reserve_llm_call('svc', 'test-model', 10, 10, '[]')$$,
                 '22023', 'metadata must be a JSON object, got array', 'metadata that is not an object is 22023');
SELECT throws_ok($$SELECT settle_llm_call(gen_random_uuid(), 10, 10, 11)$$,
                 '22023', 'cached input tokens must be between 0 and 10, got 11',
                 'more cached tokens than input tokens is 22023, before the reservation is looked up');
SELECT matches(test_helpers.error_of($$SELECT settle_llm_call(gen_random_uuid(), 10, 10)$$),
               '^P0002: reservation [0-9a-f-]{36} does not exist$', 'an unknown reservation is P0002');
SELECT matches(test_helpers.error_of(format('SELECT settle_llm_call(%L, 10, 10)', check_and_reserve_budget(0.01, 'svc') ->> 'reservationId')),
               '^55000: reservation [0-9a-f-]{36} was not priced from model_prices$', 'a reservation the caller priced itself is settled with settle_reservation, not here');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE service_name = 'svc' AND price_model IS NOT NULL), 5,
          'the refused calls reserved nothing');

-- Idempotency: a retry with the same key is the same reservation at the same price.
SELECT is((SELECT count(DISTINCT a ->> 'reservationId')::int FROM (
              SELECT reserve_llm_call('svc', 'test-model', 10, 10, '{"idempotency_key": "wo-1-step-1"}') AS a
              FROM generate_series(1, 2)) AS twice), 1,
          'a retry with the same idempotency key returns the same reservation');

SELECT * FROM finish();
ROLLBACK;
