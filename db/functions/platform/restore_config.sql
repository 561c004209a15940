-- Runbook 6.1's "test backup restoration": reads a backup_config document back, all or nothing.
-- The shape is checked first; config values go through system_config's validation trigger
-- (type and range) and may only name known keys; policies and channels are upserted by their
-- key (trigger type, channel name) with every column checked by the table's constraints and
-- triggers; a channel's secret is replaced by the file's (null removes it). Model prices are
-- history (the optional section model_prices): a row missing here is inserted whatever its
-- instant, an equal row is left alone, a row not yet in effect with other prices is replaced,
-- and a row in effect with other prices refuses the restore (55000: rows in effect never
-- change). Any error rolls the whole restore
-- back (it is one function call) and says which section and entry was wrong. Audited.
CREATE OR REPLACE FUNCTION public.restore_config(p_document jsonb, p_dry_run boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text;
    v_value jsonb;
    v_entry jsonb;
    v_channel_id bigint;
    v_config integer := 0;
    v_policies integer := 0;
    v_channels integer := 0;
    v_prices integer := 0;
    v_prices_written integer := 0;
    v_section text := 'document';
    v_state text;
    v_message text;
BEGIN
    IF p_document IS NULL OR p_dry_run IS NULL THEN
        RAISE EXCEPTION 'the backup document and p_dry_run must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the JSON that backup_config() (or moose backup-config) produced.';
    END IF;
    IF jsonb_typeof(p_document) <> 'object' OR p_document ->> 'format' IS DISTINCT FROM 'moose-config'
       OR p_document -> 'version' IS DISTINCT FROM '1'::jsonb THEN
        RAISE EXCEPTION 'not a moose configuration backup (format moose-config, version 1)'
            USING ERRCODE = '22023', HINT = 'Pass the JSON that backup_config() (or moose backup-config) produced.';
    END IF;
    IF jsonb_typeof(p_document -> 'system_config') IS DISTINCT FROM 'object'
       OR jsonb_typeof(p_document -> 'escalation_policies') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'a backup needs "system_config" (an object) and "escalation_policies" (an array)'
            USING ERRCODE = '22023', HINT = 'The file is truncated or edited by hand; take a fresh backup_config().';
    END IF;
    IF p_document ? 'alert_channels' AND jsonb_typeof(p_document -> 'alert_channels') <> 'array' THEN
        RAISE EXCEPTION 'section "alert_channels" must be an array'
            USING ERRCODE = '22023', HINT = 'The file is truncated or edited by hand; take a fresh backup_config().';
    END IF;
    IF p_document ? 'model_prices' AND jsonb_typeof(p_document -> 'model_prices') <> 'array' THEN
        RAISE EXCEPTION 'section "model_prices" must be an array'
            USING ERRCODE = '22023', HINT = 'The file is truncated or edited by hand; take a fresh backup_config().';
    END IF;

    BEGIN
        v_section := 'system_config';
        FOR v_key, v_value IN SELECT e.key, e.value FROM jsonb_each(p_document -> 'system_config') AS e LOOP
            v_section := 'system_config.' || left(v_key, 80);
            UPDATE public.system_config AS c SET value = v_value WHERE c.key = v_key AND c.value IS DISTINCT FROM v_value;
            IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM public.system_config AS c WHERE c.key = v_key) THEN
                RAISE EXCEPTION 'unknown configuration key %', quote_literal(left(v_key, 80))
                    USING ERRCODE = '22023', HINT = 'The backup comes from another version; remove the key or migrate first.';
            END IF;
            v_config := v_config + 1;
        END LOOP;

        FOR v_entry IN SELECT e.value FROM jsonb_array_elements(p_document -> 'escalation_policies') AS e LOOP
            v_section := 'escalation_policies.' || coalesce(left(v_entry ->> 'trigger_type', 80), '?');
            PERFORM private.upsert_json_row('escalation_policies', 'trigger_type', v_entry);
            v_policies := v_policies + 1;
        END LOOP;

        FOR v_entry IN SELECT e.value FROM jsonb_array_elements(coalesce(p_document -> 'alert_channels', '[]')) AS e LOOP
            v_section := 'alert_channels.' || coalesce(left(v_entry ->> 'name', 80), '?');
            PERFORM private.upsert_json_row('alert_channels', 'name', v_entry - 'secret');
            SELECT c.id INTO v_channel_id FROM public.alert_channels AS c WHERE c.name = v_entry ->> 'name';
            IF jsonb_typeof(v_entry -> 'secret') = 'string' THEN
                INSERT INTO public.alert_channel_secrets AS s (channel_id, secret)
                VALUES (v_channel_id, v_entry ->> 'secret')
                ON CONFLICT (channel_id) DO UPDATE SET secret = EXCLUDED.secret, updated_at = now();
            ELSE
                DELETE FROM public.alert_channel_secrets AS s WHERE s.channel_id = v_channel_id;
            END IF;
            v_channels := v_channels + 1;
        END LOOP;

        FOR v_entry IN SELECT e.value FROM jsonb_array_elements(coalesce(p_document -> 'model_prices', '[]')) AS e LOOP
            v_section := format('model_prices.%s@%s', coalesce(left(v_entry ->> 'model', 80), '?'),
                                coalesce(left(v_entry ->> 'effective_from', 40), '?'));
            IF private.model_price_write(private.model_price_from_json(v_entry, NULL), true) <> 'unchanged' THEN
                v_prices_written := v_prices_written + 1;
            END IF;
            v_prices := v_prices + 1;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        RAISE EXCEPTION 'restore refused at %: %', v_section, v_message
            USING ERRCODE = CASE WHEN v_state IN ('22004', 'P0002', '42501', '55000') THEN v_state ELSE '22023' END,
                  HINT = 'Nothing was restored. Fix that entry in the file (or take a fresh backup) and retry.';
    END;

    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), CASE WHEN p_dry_run THEN 'config.restore_checked' ELSE 'config.restore' END,
            'configuration',
            jsonb_build_object('exported_at', p_document -> 'exported_at', 'config_keys', v_config,
                               'policies', v_policies, 'alert_channels', v_channels,
                               'model_prices', v_prices, 'model_prices_written', v_prices_written));
    IF p_dry_run THEN
        RAISE EXCEPTION USING ERRCODE = 'M0001', MESSAGE = 'dry run';
    END IF;
    RETURN jsonb_build_object('restored', true, 'config_keys', v_config, 'escalation_policies', v_policies,
                              'alert_channels', v_channels, 'model_prices', v_prices,
                              'model_prices_written', v_prices_written);
EXCEPTION WHEN SQLSTATE 'M0001' THEN
    RETURN jsonb_build_object('restored', false, 'dry_run', true, 'config_keys', v_config,
                              'escalation_policies', v_policies, 'alert_channels', v_channels,
                              'model_prices', v_prices, 'model_prices_written', v_prices_written);
END
$$;

REVOKE ALL ON FUNCTION public.restore_config(jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.restore_config(jsonb, boolean) TO service_role, moose_runner;

COMMENT ON FUNCTION public.restore_config(jsonb, boolean) IS 'Restore a backup_config() document atomically: config values (known keys, validated), escalation policies and alert channels with their secrets (upserted by key), model prices as history (missing rows inserted, equal rows kept, rows in effect never changed: 55000). Any bad entry refuses the whole restore with 22023 naming it. p_dry_run => true validates everything and writes nothing. Audited.';
