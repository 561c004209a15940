-- What `moose prices list` draws: by default each model's price in effect now (status
-- 'current') and any price scheduled after now ('scheduled'); with p_all, or for one model
-- (p_model), every row including those replaced by a later one ('superseded'). Ordered by
-- model, newest first.
CREATE OR REPLACE FUNCTION public.model_prices_list(p_model text DEFAULT NULL, p_all boolean DEFAULT false)
RETURNS TABLE (model text, effective_from timestamptz, status text, input_usd_per_mtok numeric,
               output_usd_per_mtok numeric, cached_input_usd_per_mtok numeric, max_output_tokens integer,
               cache_write_input_usd_per_mtok numeric, tiers jsonb,
               created_at timestamptz, created_by text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required('p_all', p_all, 'Pass true for every row (history), false for current and scheduled prices.');
    IF p_model IS NOT NULL THEN
        p_model := private.check_text('model', p_model, 200, 'Pass a model name, or NULL for every model.');  -- stripped
    END IF;
    RETURN QUERY
    SELECT s.model, s.effective_from, s.status, s.input_usd_per_mtok, s.output_usd_per_mtok,
           s.cached_input_usd_per_mtok, s.max_output_tokens, s.cache_write_input_usd_per_mtok, s.tiers,
           s.created_at, s.created_by
    FROM (SELECT m.*,
                 CASE WHEN m.effective_from > now() THEN 'scheduled'
                      WHEN m.effective_from = max(m.effective_from) FILTER (WHERE m.effective_from <= now())
                                              OVER (PARTITION BY m.model) THEN 'current'
                      ELSE 'superseded' END AS status
          FROM public.model_prices AS m
          WHERE p_model IS NULL OR m.model = p_model) AS s
    WHERE p_all OR p_model IS NOT NULL OR s.status <> 'superseded'
    ORDER BY s.model, s.effective_from DESC;
END
$$;

REVOKE ALL ON FUNCTION public.model_prices_list(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.model_prices_list(text, boolean) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.model_prices_list(text, boolean) IS 'Model prices (USD per million tokens) with status current|scheduled|superseded: by default the current and scheduled rows of every model; p_all => true or a p_model: every row (history). Ordered by model, newest first.';
