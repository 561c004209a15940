-- Runbook 6.1's weekly "export configuration backup" as one JSON document: every config value,
-- every escalation policy, and the alert channels where that table exists (it holds secrets:
-- store the file like one). restore_config reads the same document back.
CREATE OR REPLACE FUNCTION public.backup_config()
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_doc jsonb;
    v_table text;
    v_rows jsonb;
BEGIN
    v_doc := jsonb_build_object(
        'format', 'moose-config',
        'version', 1,
        'exported_at', now(),
        'exported_by', private.current_actor(),
        'system_config', (SELECT coalesce(jsonb_object_agg(c.key, c.value ORDER BY c.key), '{}'::jsonb)
                          FROM public.system_config AS c),
        'escalation_policies', (SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.trigger_type), '[]'::jsonb)
                                FROM public.escalation_policies AS p));
    -- Optional sections: tables other parts of the system may or may not have installed.
    FOREACH v_table IN ARRAY private.config_backup_tables() LOOP
        IF to_regclass('public.' || v_table) IS NOT NULL THEN
            EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.name), ''[]''::jsonb) FROM public.%I AS t',
                           v_table)
            INTO v_rows;
            v_doc := v_doc || jsonb_build_object(v_table, v_rows);
        END IF;
    END LOOP;
    RETURN v_doc;
END
$$;

REVOKE ALL ON FUNCTION public.backup_config() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.backup_config() TO service_role, moose_runner;

COMMENT ON FUNCTION public.backup_config() IS
    'The configuration as one JSON document {format: moose-config, version: 1, system_config: {key: value}, escalation_policies: [...], alert_channels: [...] when installed}. Contains channel secrets. restore_config reads it back.';
