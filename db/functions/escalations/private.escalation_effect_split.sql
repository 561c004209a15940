-- Effect "split": params.parts (2 to 20, checked by private.escalation_params) become new
-- pending work orders with the parent's priority (metadata.parent_work_order_id); each part needs
-- a non-blank title of at most 500 characters (the shared rule, private.is_blank) and an optional
-- description string. The original is cancelled with metadata.split_into.
CREATE OR REPLACE FUNCTION private.escalation_effect_split(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_part jsonb;
    v_parts uuid[] := '{}';
    v_new uuid;
BEGIN
    FOR v_part IN SELECT x.value FROM jsonb_array_elements(p_params -> 'parts') AS x LOOP
        IF jsonb_typeof(v_part) <> 'object' OR jsonb_typeof(v_part -> 'title') IS DISTINCT FROM 'string'
           OR length(v_part ->> 'title') > 500 OR private.is_blank(v_part ->> 'title')
           OR (v_part ? 'description' AND jsonb_typeof(v_part -> 'description') <> 'string')
           OR EXISTS (SELECT 1 FROM jsonb_object_keys(v_part) AS k WHERE k NOT IN ('title', 'description')) THEN
            RAISE EXCEPTION 'every part needs a title of 1 to 500 characters (and an optional description string), got %', left(v_part::text, 100)
                USING ERRCODE = '22023', HINT = 'E.g. {"title": "API half", "description": "..."}.';
        END IF;
        INSERT INTO public.work_orders (title, description, priority, complexity_score, metadata)
        VALUES (private.strip_blank(v_part ->> 'title'), coalesce(v_part ->> 'description', ''), p_work_order.priority,
                NULL, jsonb_build_object('parent_work_order_id', p_work_order.id, 'split_by_escalation', p_escalation.id))
        RETURNING id INTO v_new;
        v_parts := v_parts || v_new;
    END LOOP;
    RETURN private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'cancelled',
               jsonb_build_object('split_into', to_jsonb(v_parts)))
        || jsonb_build_object('created_work_orders', to_jsonb(v_parts));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_split(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_split(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect split: params.parts become new pending work orders; the original is cancelled with metadata.split_into.';
