-- private.call_cost's rule at one tier of a price row (an element of model_prices.tiers, rates
-- as decimal strings): (input - cached - cache write) x input rate + cached x cached rate +
-- cache write x cache-write rate + output x output rate, per million tokens, rounded up to
-- the micro-dollar; a missing cache rate is the tier's input rate. Only tiered rows get here.
CREATE OR REPLACE FUNCTION private.call_cost_tier(p_tier jsonb, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer) RETURNS numeric
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT round(ceil((p_input_tokens - p_cached_input_tokens - p_cache_write_tokens)::numeric * (p_tier ->> 'input_usd_per_mtok')::numeric
                      + p_cached_input_tokens::numeric * coalesce(p_tier ->> 'cached_input_usd_per_mtok', p_tier ->> 'input_usd_per_mtok')::numeric
                      + p_cache_write_tokens::numeric * coalesce(p_tier ->> 'cache_write_input_usd_per_mtok', p_tier ->> 'input_usd_per_mtok')::numeric
                      + p_output_tokens::numeric * (p_tier ->> 'output_usd_per_mtok')::numeric) / 1000000, 6)
$$;

REVOKE ALL ON FUNCTION private.call_cost_tier(jsonb, integer, integer, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.call_cost_tier(jsonb, integer, integer, integer, integer) IS 'The price rule at one tier of model_prices.tiers: USD, rounded up to the micro-dollar; cached and cache-write tokens (part of the input tokens) at their rates, else the tier''s input rate.';
