-- The price rule itself, in one expression (docs/BUDGET.md, "Model prices"): what a call costs
-- at a price row, in USD rounded up to the micro-dollar. Input tokens include the cached ones,
-- which cost the cached rate once (the input rate when the price has none); above the
-- long-context threshold the tier's rates price the whole call. Rates are per million tokens,
-- so tokens x rates is micro-dollars. Plain SQL without SET so that it is inlined into its
-- callers' statements; it checks nothing: private.price_call checks the counts first, and
-- reserve_llm_call / settle_llm_call check them before calling it.
CREATE OR REPLACE FUNCTION private.call_cost(p_price public.model_prices, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT round(ceil(CASE WHEN p_input_tokens > p_price.long_context_threshold_tokens
        THEN (p_input_tokens - p_cached_input_tokens)::numeric * p_price.long_context_input_usd_per_mtok
             + p_cached_input_tokens::numeric
               * coalesce(p_price.long_context_cached_input_usd_per_mtok, p_price.long_context_input_usd_per_mtok)
             + p_output_tokens::numeric * p_price.long_context_output_usd_per_mtok
        ELSE (p_input_tokens - p_cached_input_tokens)::numeric * p_price.input_usd_per_mtok
             + p_cached_input_tokens::numeric * coalesce(p_price.cached_input_usd_per_mtok, p_price.input_usd_per_mtok)
             + p_output_tokens::numeric * p_price.output_usd_per_mtok END) / 1000000, 6)
$$;

REVOKE ALL ON FUNCTION private.call_cost(public.model_prices, integer, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.call_cost(public.model_prices, integer, integer, integer) IS 'The price rule: USD cost of a call at a model_prices row, rounded up to the micro-dollar (cached input tokens once at the cached rate; the long-context tier above its threshold). Checks nothing: see private.price_call.';
