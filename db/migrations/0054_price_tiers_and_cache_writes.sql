-- Model prices with any number of tiers and a cache-write rate (docs/BUDGET.md, "Model
-- prices"): the one long-context tier of 0019 becomes the first element of `tiers`, a JSON
-- array of tiers in ascending from_tokens order, each with its own input, output, cached
-- (cache-read) and cache-write rates as decimal strings; a call is priced whole at the last
-- tier whose from_tokens its input tokens reach, else at the row's own rates. The old tier's
-- "more than threshold" becomes from_tokens = threshold + 1. Rows in effect are history, so
-- the conversion runs without the history trigger (it changes the form, not one price).
-- Signatures that take the new values are dropped here and created by their behaviour files.
-- depends: 0053_rate_limit_stripes 0051_priced_reservations 0019_model_prices
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): the long-context columns, their
-- CHECK and the old signatures go in the same transaction that re-creates every function
-- reading them; model_prices is a small table written by operators, so the brief ACCESS
-- EXCLUSIVE lock is taken under `moose migrate`'s lock timeout and retries.
-- squawk-ignore-file ban-drop-column, ban-drop-constraint, ban-drop-function

ALTER TABLE public.model_prices
    ADD COLUMN cache_write_input_usd_per_mtok numeric
        CHECK (cache_write_input_usd_per_mtok >= 0 AND cache_write_input_usd_per_mtok < 1000000),
    ADD COLUMN tiers jsonb CHECK (jsonb_typeof(tiers) = 'array' AND jsonb_array_length(tiers) BETWEEN 1 AND 20);

-- The history trigger is dropped here and created again by its behaviour file after the migrations.
DROP TRIGGER IF EXISTS model_prices_history ON public.model_prices;
UPDATE public.model_prices AS m
SET tiers = jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'from_tokens', m.long_context_threshold_tokens::bigint + 1,
        'input_usd_per_mtok', trim_scale(m.long_context_input_usd_per_mtok)::text,
        'output_usd_per_mtok', trim_scale(m.long_context_output_usd_per_mtok)::text,
        'cached_input_usd_per_mtok', trim_scale(m.long_context_cached_input_usd_per_mtok)::text)))
WHERE m.long_context_threshold_tokens IS NOT NULL;

ALTER TABLE public.model_prices
    DROP CONSTRAINT model_prices_long_context_whole,
    DROP COLUMN long_context_threshold_tokens,
    DROP COLUMN long_context_input_usd_per_mtok,
    DROP COLUMN long_context_output_usd_per_mtok,
    DROP COLUMN long_context_cached_input_usd_per_mtok;

COMMENT ON COLUMN public.model_prices.cache_write_input_usd_per_mtok IS
    'Rate of input tokens written to the provider''s prompt cache (cache creation); NULL: they cost the input rate.';
COMMENT ON COLUMN public.model_prices.tiers IS
    'Tiers by input tokens, ascending: [{from_tokens, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok?, cache_write_input_usd_per_mtok?}] (rates as decimal strings). A call whose input tokens reach a tier''s from_tokens is priced whole at the last such tier (missing cache rates: the tier''s input rate). NULL: one price for every call.';

-- The write path and the priced-call path take new arguments.
DROP FUNCTION IF EXISTS public.set_model_price(text, numeric, numeric, numeric, integer, timestamptz, integer, numeric, numeric, numeric);
DROP FUNCTION IF EXISTS public.settle_llm_call(uuid, integer, integer, integer);
DROP FUNCTION IF EXISTS private.call_cost(public.model_prices, integer, integer, integer);
DROP FUNCTION IF EXISTS private.price_call(public.model_prices, integer, integer, integer);
DROP FUNCTION IF EXISTS public.model_prices_list(text, boolean);
