-- Whether two model price rows say the same price: every rate, max_output_tokens and the
-- tiers equal (NULL equal to NULL; 2.50 equal to 2.5; tiers in their canonical form). The model, the instant and
-- who created the row do not count. Decides "unchanged" for set_model_price, the import and
-- a restore.
CREATE OR REPLACE FUNCTION private.model_price_same(p_a public.model_prices, p_b public.model_prices) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (p_a.input_usd_per_mtok, p_a.output_usd_per_mtok, p_a.cached_input_usd_per_mtok, p_a.max_output_tokens,
            p_a.cache_write_input_usd_per_mtok, p_a.tiers)
           IS NOT DISTINCT FROM
           (p_b.input_usd_per_mtok, p_b.output_usd_per_mtok, p_b.cached_input_usd_per_mtok, p_b.max_output_tokens,
            p_b.cache_write_input_usd_per_mtok, p_b.tiers)
$$;

REVOKE ALL ON FUNCTION private.model_price_same(public.model_prices, public.model_prices) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_same(public.model_prices, public.model_prices) IS 'True when two price rows have equal rates, max_output_tokens and tiers (NULLs equal); model, instant and creator ignored.';
