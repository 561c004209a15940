-- private.price_call, the pure pricing helper of the gate: input, cached and output tokens at a
-- price row's per-million rates, cached tokens priced once, the long-context tier for the whole
-- call above its threshold, exact numeric rounded up to the micro-dollar, and its refusals.
BEGIN;
SELECT plan(27);

CREATE TEMP TABLE prices AS
SELECT 'base' AS name, jsonb_populate_record(NULL::public.model_prices,
           '{"model": "base", "input_usd_per_mtok": 3, "output_usd_per_mtok": 15, "cached_input_usd_per_mtok": 0.3}') AS p
UNION ALL
SELECT 'no-cache', jsonb_populate_record(NULL::public.model_prices,
           '{"model": "no-cache", "input_usd_per_mtok": 2.5, "output_usd_per_mtok": 10}')
UNION ALL
SELECT 'tenth', jsonb_populate_record(NULL::public.model_prices,
           '{"model": "tenth", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 1.1}')
UNION ALL
SELECT 'long', jsonb_populate_record(NULL::public.model_prices,
           '{"model": "long", "input_usd_per_mtok": 1.25, "output_usd_per_mtok": 10, "cached_input_usd_per_mtok": 0.125,
             "tiers": [{"from_tokens": 200001, "input_usd_per_mtok": "2.5", "output_usd_per_mtok": "15",
                        "cached_input_usd_per_mtok": "0.25"}]}')
UNION ALL
SELECT 'long-no-cache', jsonb_populate_record(NULL::public.model_prices,
           '{"model": "long-no-cache", "input_usd_per_mtok": 1.25, "output_usd_per_mtok": 10, "cached_input_usd_per_mtok": 0.125,
             "tiers": [{"from_tokens": 200001, "input_usd_per_mtok": "2.5", "output_usd_per_mtok": "15"}]}')
UNION ALL
SELECT 'top', jsonb_populate_record(NULL::public.model_prices,
           '{"model": "top", "input_usd_per_mtok": 600, "output_usd_per_mtok": 600}');
CREATE FUNCTION pg_temp.pc(p_name text, p_in integer, p_out integer, p_cached integer DEFAULT 0) RETURNS numeric
LANGUAGE sql AS $$ SELECT private.price_call((SELECT p FROM prices WHERE name = p_name), p_in, p_out, p_cached) $$;

-- Plain calls ----------------------------------------------------------------------------------
SELECT is(pg_temp.pc('base', 1000, 500), 0.0105, '1000 in at 3 + 500 out at 15 per million: $0.0105');
SELECT is(pg_temp.pc('base', 1000, 500)::text, '0.010500', 'the answer is in micro-dollars (scale 6)');
SELECT is(pg_temp.pc('base', 0, 0), 0::numeric, 'no tokens cost nothing');
SELECT is(pg_temp.pc('top', 2147483647, 2147483647), 2576980.376400, 'the largest counts at the largest rates, exact');

-- Cached tokens: part of the input, priced once at the cached rate --------------------------------
SELECT is(pg_temp.pc('base', 1000, 500, 400), 0.00942, '600 at 3 + 400 cached at 0.3 + 500 at 15');
SELECT is(pg_temp.pc('base', 1000, 0, 1000), 0.0003, 'an all-cached input costs the cached rate only, never also the input rate');
SELECT is(pg_temp.pc('no-cache', 1000, 0, 400), 0.0025, 'a model without a cached rate prices cached tokens at the input rate');

-- Rounding up to the micro-dollar, exact ----------------------------------------------------------
SELECT is(pg_temp.pc('tenth', 1, 0), 0.000001, 'a tenth of a micro-dollar rounds up to one');
SELECT is(pg_temp.pc('tenth', 10, 0), 0.000001, 'exactly one micro-dollar stays one');
SELECT is(pg_temp.pc('tenth', 0, 50), 0.000055,
          '50 tokens at 1.1 are exactly 55 micro-dollars (binary floats make it 55.00000000000001, rounded up to 56)');
SELECT is(pg_temp.pc('tenth', 11, 0), 0.000002, '1.1 micro-dollars round up to 2');

-- The long-context tier -------------------------------------------------------------------------
SELECT is(pg_temp.pc('long', 200000, 1000), 0.26, 'at the threshold: the base rates (200000 x 1.25 + 1000 x 10)');
SELECT is(pg_temp.pc('long', 200001, 1000), 0.515003,
          'one token above it: the whole call at the tier''s rates (200001 x 2.5 + 1000 x 15, rounded up)');
SELECT is(pg_temp.pc('long', 300000, 0, 100000), 0.525, 'cached tokens at the tier''s cached rate above the threshold');
SELECT is(pg_temp.pc('long', 150000, 0, 100000), 0.075, 'and at the base cached rate below it (50000 x 1.25 + 100000 x 0.125)');
SELECT is(pg_temp.pc('long-no-cache', 300000, 0, 100000), 0.75, 'a tier without a cached rate prices cached tokens at its input rate');
SELECT is(pg_temp.pc('long', 250000, 0, 250000), 0.0625, 'the threshold counts cached tokens as input');

-- A row from the table, through the lookup the gate uses ------------------------------------------
SELECT public.set_model_price('pc-model', 0.8, 3.2, 0.2, 4096) IS NOT NULL AS set \gset
SELECT is(private.price_call(private.model_price_at('pc-model', now()), 1000000, 1000000, 500000), 3.7,
          'the price in effect, from the table: 500000 x 0.8 + 500000 x 0.2 + 1000000 x 3.2');

-- Refusals --------------------------------------------------------------------------------------
SELECT throws_ok($$SELECT private.price_call(NULL::public.model_prices, 1, 1)$$, '22004', 'price must not be NULL',
                 'no price: 22004');
SELECT throws_ok($$SELECT pg_temp.pc('base', NULL, 1)$$, '22004', 'input tokens must not be NULL', 'NULL input tokens: 22004');
SELECT throws_ok($$SELECT pg_temp.pc('base', -1, 1)$$, '22023', 'input tokens must be between 0 and 2147483647, got -1',
                 'negative input tokens: 22023');
SELECT throws_ok($$SELECT pg_temp.pc('base', 1, -1)$$, '22023', 'output tokens must be between 0 and 2147483647, got -1',
                 'negative output tokens: 22023');
SELECT throws_ok($$SELECT pg_temp.pc('base', 10, 1, 11)$$, '22023', 'cached input tokens must be between 0 and 10, got 11',
                 'more cached tokens than input tokens: 22023');

SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'private.price_call(public.model_prices, integer, integer, integer, integer)'::regprocedure),
          'i', 'price_call is pure (IMMUTABLE)');

-- private.call_cost is the rule itself, for callers that checked the counts already: the same
-- figures as price_call, without its checks.
CREATE TEMP TABLE rule_price AS SELECT (NULL::public.model_prices) AS p;
UPDATE rule_price SET p.model = 'rule', p.input_usd_per_mtok = 2.5, p.output_usd_per_mtok = 10, p.cached_input_usd_per_mtok = 1.25,
                      p.tiers = '[{"from_tokens": 1001, "input_usd_per_mtok": "5", "output_usd_per_mtok": "20"}]';
SELECT is((SELECT private.call_cost(p, 800, 300, 200, 0) FROM rule_price), 0.004750::numeric,
          'call_cost: (800 - 200) x 2.5 + 200 x 1.25 + 300 x 10 micro-dollars, cached tokens once');
SELECT is((SELECT private.call_cost(p, 1001, 1, 0, 0) FROM rule_price), 0.005025::numeric,
          'call_cost: above the threshold the whole call at the tier''s rates (1001 x 5 + 1 x 20)');
SELECT is((SELECT private.call_cost(p, 1, 0, 0, 0) = private.price_call(p, 1, 0, 0) FROM rule_price), true,
          'call_cost and price_call agree, 2.5 micro-dollars rounded up to 3');

SELECT * FROM finish();
ROLLBACK;
