-- Effect "set_config" (system-wide): update_config(effect.key, effect.value), both fixed by the
-- option (force_cheaper_model: budget_force_hard_cap_model = true); validated and audited like any
-- config change. A decision cannot pass another value (private.escalation_params).
CREATE OR REPLACE FUNCTION private.escalation_effect_set_config(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old jsonb;
BEGIN
    SELECT c.value INTO v_old FROM public.system_config AS c WHERE c.key = p_option -> 'effect' ->> 'key';
    PERFORM public.update_config(p_option -> 'effect' ->> 'key', p_option -> 'effect' -> 'value');
    RETURN jsonb_build_object('action', 'set_config', 'key', p_option -> 'effect' ->> 'key',
                              'old_value', v_old, 'new_value', p_option -> 'effect' -> 'value');
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_set_config(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_set_config(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect set_config: the option''s fixed key and value through update_config.';
