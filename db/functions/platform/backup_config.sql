-- Runbook 6.1's weekly "export configuration backup" as one JSON document: every config value,
-- every escalation policy, every alert channel with its secret (the SendGrid key or webhook
-- HMAC secret; a Slack URL is a credential too): store the file like a password), and the
-- whole model price history (rates as decimal strings, so no JSON reader rounds them through a
-- binary float). restore_config reads the same document back.
CREATE OR REPLACE FUNCTION public.backup_config() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN jsonb_build_object(
        'format', 'moose-config',
        'version', 1,
        'exported_at', now(),
        'exported_by', private.current_actor(),
        'system_config', (SELECT coalesce(jsonb_object_agg(c.key, c.value ORDER BY c.key), '{}'::jsonb)
                          FROM public.system_config AS c),
        'escalation_policies', (SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.trigger_type), '[]'::jsonb)
                                FROM public.escalation_policies AS p),
        -- Channels by name (ids differ between databases), each with its secret or null.
        'alert_channels', (SELECT coalesce(jsonb_agg((to_jsonb(c) - ARRAY['id', 'created_at', 'updated_at', 'updated_by'])
                                                     || jsonb_build_object('secret', s.secret) ORDER BY c.name),
                                           '[]'::jsonb)
                           FROM public.alert_channels AS c
                           LEFT JOIN public.alert_channel_secrets AS s ON s.channel_id = c.id),
        -- Every price row, history included, oldest first per model; rates as exact decimal text
        -- (the tiers' too: model_prices.tiers keeps them as decimal strings).
        'model_prices', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                   'model', m.model, 'effective_from', m.effective_from,
                                   'input_usd_per_mtok', m.input_usd_per_mtok::text,
                                   'output_usd_per_mtok', m.output_usd_per_mtok::text,
                                   'cached_input_usd_per_mtok', m.cached_input_usd_per_mtok::text,
                                   'max_output_tokens', m.max_output_tokens,
                                   'cache_write_input_usd_per_mtok', m.cache_write_input_usd_per_mtok::text,
                                   'tiers', m.tiers,
                                   'created_at', m.created_at, 'created_by', m.created_by))
                                   ORDER BY m.model, m.effective_from), '[]'::jsonb)
                         FROM public.model_prices AS m));
END
$$;

REVOKE ALL ON FUNCTION public.backup_config() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.backup_config() TO service_role, moose_runner;

COMMENT ON FUNCTION public.backup_config() IS 'The configuration as one JSON document {format: moose-config, version: 1, system_config: {key: value}, escalation_policies: [...], alert_channels: [{name, kind, url, ..., secret}], model_prices: [{model, effective_from, input_usd_per_mtok (decimal string), ...}]}. Contains channel secrets. restore_config reads it back.';
