-- Priced calls are priced, settled and rate-limited as the model they are GRANTED; a retry with
-- the same idempotency key gets its reservation back after a price change; a settle again with
-- other token counts is refused even when they cost the same (docs/BUDGET.md, "Priced calls").
BEGIN;
SELECT plan(14);

INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, max_output_tokens)
VALUES ('gpt-4o', now() - interval '2 hours', 2.5, 10, 1.25, 16384),
       ('gpt-4o-mini', now() - interval '2 hours', 0.15, 0.6, 0.075, 16384),
       ('retry-model', now() - interval '2 hours', 1, 1, NULL, 4096),
       ('even', now() - interval '2 hours', 1, 1, NULL, 4096);
SELECT set_rate_limit('model', 'gpt-4o-mini', NULL, 100000);
SELECT set_rate_limit('model', 'gpt-4o', NULL, 100000);
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';  -- frozen: exact figures
CREATE TEMP TABLE answers (name text PRIMARY KEY, answer jsonb);

-- The warning tier (30 of the daily 100 spent): gpt-4o is downgraded to gpt-4o-mini ----------------
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('seed', 30);
INSERT INTO answers VALUES ('down', reserve_llm_call('t', 'gpt-4o', 10000, 1000));
SELECT is((SELECT (answer ->> 'model', answer ->> 'modelDecision', answer ->> 'requestedModel') FROM answers WHERE name = 'down'),
          ('gpt-4o-mini'::text, 'downgraded'::text, 'gpt-4o'::text), 'in the warning tier gpt-4o is downgraded to gpt-4o-mini');
SELECT is((SELECT answer -> 'priced' ->> 'model' FROM answers WHERE name = 'down'), 'gpt-4o-mini',
          'and priced as the model granted');
SELECT is((SELECT (answer -> 'priced' ->> 'amount')::numeric FROM answers WHERE name = 'down'), 0.0021,
          '10000 x 0.15 + 1000 x 0.6 micro-dollars, not gpt-4o''s 0.035');
SELECT is((SELECT (amount::numeric, price_model, requested_model, model, model_decision) FROM public.budget_reservations
           WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'down')),
          (0.0021::numeric, 'gpt-4o-mini'::text, 'gpt-4o'::text, 'gpt-4o-mini'::text, 'downgraded'::text),
          'the reservation holds that amount, price row and decision');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'gpt-4o-mini'), 100000 - 11000::numeric,
          'the granted model''s token limit is drawn');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'gpt-4o'), 100000::numeric,
          'the requested model''s is not');
SELECT is((settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'down'), 10000, 1000)
           -> 'priced' ->> 'cost')::numeric, 0.0021, 'the settle books the granted model''s price');
DELETE FROM public.cost_tracking WHERE service_name = 'seed';

-- A retry with the same key after a price change: the same reservation ------------------------------
INSERT INTO answers VALUES ('first', reserve_llm_call('svc', 'retry-model', 1000, 1000, '{"idempotency_key": "k-retry"}'));
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
VALUES ('retry-model', now() - interval '1 minute', 30, 30);
INSERT INTO answers VALUES ('retry', reserve_llm_call('svc', 'retry-model', 1000, 1000, '{"idempotency_key": "k-retry"}'));
SELECT is((SELECT answer ->> 'reservationId' FROM answers WHERE name = 'retry'),
          (SELECT answer ->> 'reservationId' FROM answers WHERE name = 'first'), 'the retry returns the reservation');
SELECT is((SELECT (answer ->> 'idempotentReplay')::boolean FROM answers WHERE name = 'retry'), true, 'as a replay');
SELECT is((SELECT answer -> 'priced' FROM answers WHERE name = 'retry'), (SELECT answer -> 'priced' FROM answers WHERE name = 'first'),
          'priced at the row it was reserved at (0.002), not the new price (0.06)');
SELECT is((reserve_llm_call('svc', 'retry-model', 1000, 1000) -> 'priced' ->> 'amount')::numeric, 0.06,
          'a new call is priced at the new price');
SELECT throws_ok($$SELECT reserve_llm_call('svc', 'retry-model', 2000, 1000, '{"idempotency_key": "k-retry"}')$$, '22023',
                 format('idempotency key "k-retry" was used for reservation %s with amount 0.002000 and service "svc"',
                        (SELECT answer ->> 'reservationId' FROM answers WHERE name = 'first')),
                 'the key with other counts is still 22023');

-- A second settle with other counts that cost the same ----------------------------------------------
INSERT INTO answers VALUES ('even', reserve_llm_call('svc', 'even', 1000, 1000));
SELECT is((settle_llm_call((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'even'), 1000, 500)
           -> 'priced' ->> 'cost')::numeric, 0.0015, 'settled: 1000 in + 500 out at 1 per million');
SELECT throws_ok(format('SELECT settle_llm_call(%L, 500, 1000)', (SELECT answer ->> 'reservationId' FROM answers WHERE name = 'even')),
                 '55000', format('reservation %s is already settled with other token counts',
                                 (SELECT answer ->> 'reservationId' FROM answers WHERE name = 'even')),
                 'other counts of the same cost are refused: the cost row keeps the counts it was settled with');

SELECT * FROM finish();
ROLLBACK;
