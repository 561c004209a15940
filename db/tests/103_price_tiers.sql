-- The price rule with any number of tiers and cache writes (docs/BUDGET.md, "Pricing a call"):
-- the whole call at the last tier whose from_tokens the input tokens reach; cached (cache-read)
-- and cache-write tokens, part of the input tokens, each at its own rate once (the same tier's
-- input rate when it has none); a reservation at the dearest input rate of the tier its input
-- reaches, so no settle of its counts costs more; tiers checked and kept canonical.
BEGIN;
SELECT plan(26);

-- Three tiers after the base (dashscope/qwen3-coder-flash's shape), a cache-write rate.
SELECT public.set_model_price('tiered', 0.3, 1.5, 0.08, 65536, p_cache_write_input_usd_per_mtok => 0.375,
    p_tiers => '[{"from_tokens": 32001, "input_usd_per_mtok": 0.5, "output_usd_per_mtok": "2.5", "cached_input_usd_per_mtok": "0.12"},
                 {"from_tokens": 128001, "input_usd_per_mtok": "0.80", "output_usd_per_mtok": 4, "cache_write_input_usd_per_mtok": "1e0"},
                 {"from_tokens": 256001, "input_usd_per_mtok": "1.6", "output_usd_per_mtok": "9.6"}]') ->> 'outcome' AS set \gset
SELECT is(:'set'::text, 'inserted', 'a price with three tiers and a cache-write rate is set');
SELECT is((SELECT tiers FROM public.model_prices WHERE model = 'tiered'),
          '[{"from_tokens": 32001, "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "2.5", "cached_input_usd_per_mtok": "0.12"},
            {"from_tokens": 128001, "input_usd_per_mtok": "0.8", "output_usd_per_mtok": "4", "cache_write_input_usd_per_mtok": "1"},
            {"from_tokens": 256001, "input_usd_per_mtok": "1.6", "output_usd_per_mtok": "9.6"}]'::jsonb,
          'tiers are kept canonical: rates as decimal strings without trailing zeros, numbers or strings alike');
SELECT is(public.set_model_price('tiered', 0.30, 1.5, 0.08, 65536, p_cache_write_input_usd_per_mtok => 0.375,
    p_tiers => '[{"from_tokens": 32001, "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "2.5", "cached_input_usd_per_mtok": "0.12"},
                 {"from_tokens": 128001, "input_usd_per_mtok": "0.8", "output_usd_per_mtok": "4", "cache_write_input_usd_per_mtok": "1"},
                 {"from_tokens": 256001, "input_usd_per_mtok": "1.6", "output_usd_per_mtok": "9.6"}]') ->> 'outcome',
          'unchanged', 'the same tiers written otherwise are the same price');
CREATE TEMP TABLE p AS SELECT private.model_price_at('tiered', now()) AS p;

-- The boundary: from_tokens is the first input count of the tier ---------------------------------
SELECT is((SELECT private.price_call(p, 32000, 1000) FROM p), 0.0111, 'at 32000 input tokens: the base (32000 x 0.3 + 1000 x 1.5)');
SELECT is((SELECT private.price_call(p, 32001, 1000) FROM p), 0.018501,
          'at 32001: the whole call at the first tier (32001 x 0.5 + 1000 x 2.5, rounded up)');
SELECT is((SELECT private.price_call(p, 150000, 2000) FROM p), 0.128, 'the second tier: 150000 x 0.8 + 2000 x 4');
SELECT is((SELECT private.price_call(p, 300000, 2000) FROM p), 0.4992, 'the last tier above every range: 300000 x 1.6 + 2000 x 9.6');

-- Cache reads and writes: part of the input, each once at its rate --------------------------------
SELECT is((SELECT private.price_call(p, 1000, 500, 400, 0) FROM p), 0.000962, 'base: 600 x 0.3 + 400 x 0.08 + 500 x 1.5');
SELECT is((SELECT private.price_call(p, 1000, 500, 0, 800) FROM p), 0.00111, 'base: 200 x 0.3 + 800 written x 0.375 + 500 x 1.5');
SELECT is((SELECT private.price_call(p, 1000, 0, 200, 800) FROM p), 0.000316, 'all cached or written: 200 x 0.08 + 800 x 0.375');
SELECT is((SELECT private.price_call(p, 50000, 0, 10000, 10000) FROM p), 0.0212,
          'first tier: its cached rate, and no write rate of its own: its input rate (30000 x 0.5 + 10000 x 0.12 + 10000 x 0.5)');
SELECT is((SELECT private.price_call(p, 150000, 0, 100000, 50000) FROM p), 0.13,
          'second tier: no cached rate of its own: its input rate; its write rate (100000 x 0.8 + 50000 x 1)');
SELECT throws_ok($$SELECT private.price_call(private.model_price_at('tiered', now()), 1000, 0, 600, 401)$$, '22023',
                 'cache write tokens must be between 0 and 400, got 401', 'more cached and written tokens than input tokens: 22023');

-- A reservation: input at the dearest rate of its tier, so no settle of its counts costs more --------
SELECT is((reserve_llm_call('svc', 'tiered', 1000, 500) -> 'priced' ->> 'amount')::numeric, 0.001125,
          'reserved at the write rate, the dearest of the base (1000 x 0.375 + 500 x 1.5)');
SELECT is((reserve_llm_call('svc', 'tiered', 300000, 2000) -> 'priced' ->> 'amount')::numeric, 0.4992,
          'the last tier has no cache rates: its input rate is the dearest');
SELECT cmp_ok((reserve_llm_call('svc', 'tiered', 1000, 500) -> 'priced' ->> 'amount')::numeric, '>=',
              (SELECT max(private.price_call(p, 1000, 500, c, w))
               FROM p, generate_series(0, 1000, 100) AS c, generate_series(0, 1000, 100) AS w WHERE c + w <= 1000),
              'no split of the reserved counts into cached and written tokens costs more than the reservation');
SELECT is((SELECT (settle_llm_call((reserve_llm_call('svc', 'tiered', 1000, 500) ->> 'reservationId')::uuid, 1000, 500, 0, 800)
           -> 'priced') - 'priceEffectiveFrom'),
          '{"model": "tiered", "inputTokens": 1000, "outputTokens": 500, "cachedInputTokens": 0, "cacheWriteTokens": 800, "cost": 0.00111}'::jsonb,
          'settle_llm_call takes the cache-write tokens and prices them at the write rate');

-- The answer and bad tiers ------------------------------------------------------------------------
SELECT is(model_price('tiered') -> 'tiers' -> 1,
          '{"fromTokens": 128001, "inputUsdPerMtok": 0.8, "outputUsdPerMtok": 4, "cachedInputUsdPerMtok": null, "cacheWriteInputUsdPerMtok": 1}'::jsonb,
          'model_price shows each tier');
SELECT is(model_price('tiered') -> 'cacheWriteInputUsdPerMtok', '0.375'::jsonb, 'and the cache-write rate');
SELECT throws_ok($$SELECT set_model_price('bad', 1, 1, p_tiers => '[{"from_tokens": 100, "input_usd_per_mtok": 1, "output_usd_per_mtok": 1},
                                                                   {"from_tokens": 100, "input_usd_per_mtok": 2, "output_usd_per_mtok": 2}]')$$,
                 '22023', 'tier 2: from_tokens must be a whole number of input tokens above the previous tier''s (and from 1), got 100',
                 'tiers out of order: 22023');
SELECT throws_ok($$SELECT set_model_price('bad', 1, 1, p_tiers => '[{"from_tokens": 100, "input_usd_per_mtok": 1}]')$$,
                 '22023', 'tier 1: output_usd_per_mtok is required', 'a tier without its output rate: 22023');
SELECT throws_ok($$SELECT set_model_price('bad', 1, 1, p_tiers => '[{"from_tokens": 100, "input_usd_per_mtok": "-1", "output_usd_per_mtok": 1}]')$$,
                 '22023', 'tier 1: input_usd_per_mtok must be a number of USD per million tokens, got -1', 'a negative tier rate: 22023');
SELECT throws_ok($$SELECT set_model_price('bad', 1, 1, p_tiers => '[]')$$,
                 '22023', 'tiers must be a JSON array of 1 to 20 tiers, got []', 'an empty list of tiers: 22023');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = 'bad'), 0, 'nothing written by a refused price');
SELECT is(private.model_price_tiers(NULL), NULL, 'private.model_price_tiers: no tiers are NULL');
SELECT is(private.call_cost_tier('{"input_usd_per_mtok": "1", "output_usd_per_mtok": "2", "cache_write_input_usd_per_mtok": "4"}',
                                 1000, 1000, 0, 500), 0.0045,
          'private.call_cost_tier: the rule at one tier (500 x 1 + 500 written x 4 + 1000 x 2)');

SELECT * FROM finish();
ROLLBACK;
