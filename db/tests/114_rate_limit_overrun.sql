-- Tokens used beyond what a call drew are drawn at its settle: a call that reserved 100 input +
-- 100 maximum output tokens and used 9,000 output tokens draws the 8,900 more from every tokens
-- bucket it drew on (before: costed, but 200 drawn for 9,100 used). The tokens were spent, so
-- a bucket may go below zero: rate_limit_usage() shows it negative, with how long until it is
-- full, and the gate refuses token calls until it holds enough again, telling when. Through
-- settle_reservation and settle_llm_call. The bucket is frozen (refilled_at a day ahead), so
-- the figures are exact.
BEGIN;
SELECT plan(10);

SELECT set_rate_limit('service', 'over', NULL, 20000);
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';
CREATE FUNCTION pg_temp.held() RETURNS numeric LANGUAGE sql AS $$
    SELECT sum(available) FROM public.rate_limits WHERE key = 'over' AND kind = 'tokens'
$$;

CREATE TEMP TABLE res AS
SELECT (check_and_reserve_budget(0.01, 'over', '{"input_tokens": 100, "max_output_tokens": 100}') ->> 'reservationId')::uuid AS id;
SELECT is(pg_temp.held(), 19800::numeric, 'a call drawing 200 tokens leaves 19,800');
SELECT is(settle_reservation((SELECT id FROM res), 0.05, '{"input_tokens": 100, "output_tokens": 9000}') ->> 'status', 'settled',
          'it settles having used 9,100');
SELECT is(pg_temp.held(), 10900::numeric, 'the 8,900 tokens used beyond the 200 drawn are drawn: 10,900 left');

-- Priced: reserve_llm_call draws input + maximum output, settle_llm_call draws the overrun.
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, max_output_tokens)
VALUES ('over-model', now() - interval '1 hour', 1, 2, 100);
CREATE TEMP TABLE priced AS SELECT (reserve_llm_call('over', 'over-model', 100, 100) ->> 'reservationId')::uuid AS id;
SELECT is(pg_temp.held(), 10700::numeric, 'a priced call draws its 200 tokens');
SELECT is((settle_llm_call((SELECT id FROM priced), 100, 20000) #>> '{priced,cost}')::numeric, 0.0401,
          'it used 20,000 output tokens, costed at 100 x 1 + 20,000 x 2 micro-dollars');
SELECT is(pg_temp.held(), -9200::numeric, 'and the 19,900 beyond the draw are drawn: the bucket is 9,200 below zero');

SELECT results_eq($$SELECT available, percentage_available, full_in_ms FROM rate_limit_usage() WHERE key = 'over'$$,
                  $$VALUES (-9200.000::numeric, -46.0::numeric, 87600::bigint)$$,
                  'rate_limit_usage() says so: -9,200 available, -46 %, full in 87.6 s (29,200 at 20,000 a minute)');

CREATE TEMP TABLE refused AS
SELECT check_and_reserve_budget(0.01, 'over', '{"input_tokens": 1, "max_output_tokens": 1}') AS a;
SELECT is((SELECT a ->> 'reason' FROM refused), 'rate_limited', 'a call of 2 tokens is refused');
SELECT is((SELECT a #>> '{limit,available}' FROM refused), '-9200', 'naming what the bucket holds');
SELECT is((SELECT (a ->> 'retryAfterMs')::int FROM refused), 27606,
          'and when it will hold the 2 tokens: 9,202 at 20,000 a minute, 27,606 ms');

SELECT * FROM finish();
ROLLBACK;
