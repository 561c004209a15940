-- The price rule itself, in one expression (docs/BUDGET.md, "Model prices"): what a call costs
-- at a price row, in USD rounded up to the micro-dollar. The call is priced whole at one set of
-- rates: the last of the row's tiers whose from_tokens its input tokens reach, else the row's
-- own. Input tokens include the cached (cache-read) and cache-write ones, which cost their own
-- rates once (the input rate of the same rates when there is none). Rates are per million
-- tokens, so tokens x rates is micro-dollars. Plain SQL without SET so that it is inlined into
-- its callers' statements (a row without tiers never touches the JSON); it checks nothing:
-- private.price_call checks the counts first, and reserve_llm_call / settle_llm_call check
-- them before calling it.
CREATE OR REPLACE FUNCTION private.call_cost(p_price public.model_prices, p_input_tokens integer, p_output_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_price.tiers IS NULL OR p_input_tokens < (p_price.tiers -> 0 ->> 'from_tokens')::bigint
        THEN round(ceil((p_input_tokens - p_cached_input_tokens - p_cache_write_tokens)::numeric * p_price.input_usd_per_mtok
                        + p_cached_input_tokens::numeric * coalesce(p_price.cached_input_usd_per_mtok, p_price.input_usd_per_mtok)
                        + p_cache_write_tokens::numeric * coalesce(p_price.cache_write_input_usd_per_mtok, p_price.input_usd_per_mtok)
                        + p_output_tokens::numeric * p_price.output_usd_per_mtok) / 1000000, 6)
        ELSE private.call_cost_tier(jsonb_path_query_array(p_price.tiers, '$[*] ? (@.from_tokens <= $n)',
                                                           jsonb_build_object('n', p_input_tokens)) -> -1,
                                    p_input_tokens, p_output_tokens, p_cached_input_tokens, p_cache_write_tokens) END
$$;

REVOKE ALL ON FUNCTION private.call_cost(public.model_prices, integer, integer, integer, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.call_cost(public.model_prices, integer, integer, integer, integer) IS 'The price rule: USD cost of a call at a model_prices row, rounded up to the micro-dollar: the whole call at the last tier whose from_tokens the input tokens reach (else the row''s rates); input tokens include the cached and cache-write ones, each at its own rate once (the input rate when it has none). Checks nothing: see private.price_call.';
