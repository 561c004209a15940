-- Executes a chosen option's effect in the deciding transaction (called by resolve_escalation
-- with the escalation row locked). Work-order moves go through the state machine, so an effect
-- that does not fit the work order's status (e.g. retrying a cancelled one) fails with 55000 and
-- the whole decision rolls back. Returns what was done, for the decision log.
--   retry        -> pending, attempt counters reset, metadata.retry {model, clean_state, instructions}
--                   and metadata.model_override when the option or params name a model
--   amend        -> like retry, params.amendments (object) merged into metadata.amendments
--   split        -> params.parts (2..20 objects with title, optional description) become new
--                   pending work orders; this one is cancelled with metadata.split_into
--   redecompose  -> cancelled, metadata.redecomposition_requested; alert work_order.redecompose
--   revert       -> cancelled, metadata.revert_requested; alert work_order.revert
--   pause        -> paused
--   pause_non_critical -> every pending/approved work order of priority low or medium -> paused
--   set_config   -> update_config(effect.key, params.value, or effect.value when the option fixes it)
--   start_orchestrator -> orchestrator_start() (runbook 4.3; refused while the kill switch is on)
--   requeue      -> pending (a pending one is touched: a new stuck episode starts)
--   unblock      -> a blocked work order returns to metadata.blocked_from; test cycles reset
--   manual_review -> needs_review;  cancel -> cancelled;  record_only -> nothing
CREATE OR REPLACE FUNCTION private.apply_escalation_effect(
    p_escalation public.escalations,
    p_option jsonb,
    p_params jsonb,
    p_notes text
)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_action text := p_option -> 'effect' ->> 'action';
    v_reason text := format('escalation %s (%s): %s', p_escalation.id, p_escalation.trigger_type, p_option ->> 'key');
    v_stamp jsonb := jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key',
                                        'instructions', p_notes, 'at', now());
    v_wo public.work_orders%ROWTYPE;
    v_model text;
    v_target text;
    v_part jsonb;
    v_parts uuid[] := '{}';
    v_new uuid;
    v_count integer;
    v_value jsonb;
    v_config jsonb;
BEGIN
    IF v_action IN ('pause_non_critical', 'set_config', 'start_orchestrator', 'record_only') THEN
        NULL;  -- system-wide actions: no work order needed
    ELSIF p_escalation.work_order_id IS NULL THEN
        RAISE EXCEPTION 'option % acts on a work order, but escalation % has none', p_option ->> 'key', p_escalation.id
            USING ERRCODE = '55000', HINT = 'Choose a system-wide option, or dismiss the escalation with notes.';
    ELSE
        SELECT * INTO v_wo FROM public.work_orders AS w WHERE w.id = p_escalation.work_order_id FOR UPDATE;
    END IF;

    CASE v_action
    WHEN 'retry', 'amend' THEN
        IF v_action = 'amend' AND (jsonb_typeof(p_params -> 'amendments') IS DISTINCT FROM 'object'
                                   OR p_params -> 'amendments' = '{}'::jsonb) THEN
            RAISE EXCEPTION 'option % needs params.amendments, a non-empty JSON object', p_option ->> 'key'
                USING ERRCODE = '22023',
                      HINT = 'E.g. ''{"amendments": {"acceptance_criteria": ["..."], "files_in_scope": ["src/x.ts"]}}''.';
        END IF;
        IF p_params ? 'model' AND (jsonb_typeof(p_params -> 'model') <> 'string'
                                   OR length(p_params ->> 'model') NOT BETWEEN 1 AND 200) THEN
            RAISE EXCEPTION 'params.model must be a model name'
                USING ERRCODE = '22023', HINT = 'E.g. ''{"model": "claude-sonnet-4.5"}''.';
        END IF;
        v_model := coalesce(p_params ->> 'model', p_option -> 'effect' ->> 'model');
        UPDATE public.work_orders AS w SET refinement_attempts = 0, test_failure_cycles = 0 WHERE w.id = v_wo.id;
        PERFORM private.write_work_order_status(v_wo.id, 'pending', v_reason,
            jsonb_build_object('retry', v_stamp || jsonb_strip_nulls(jsonb_build_object(
                                   'model', v_model, 'clean_state', p_option -> 'effect' -> 'clean_state')),
                               'blocked_by_escalation', NULL)
            || CASE WHEN v_model IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('model_override', v_model) END
            || CASE WHEN v_action = 'amend'
                    THEN jsonb_build_object('amendments', coalesce(v_wo.metadata -> 'amendments', '{}'::jsonb) || (p_params -> 'amendments'))
                    ELSE '{}'::jsonb END);
        v_target := 'pending';
    WHEN 'split' THEN
        IF jsonb_typeof(p_params -> 'parts') IS DISTINCT FROM 'array'
           OR jsonb_array_length(p_params -> 'parts') NOT BETWEEN 2 AND 20 THEN
            RAISE EXCEPTION 'option % needs params.parts, an array of 2 to 20 parts', p_option ->> 'key'
                USING ERRCODE = '22023', HINT = 'E.g. ''{"parts": [{"title": "API half"}, {"title": "UI half", "description": "..."}]}''.';
        END IF;
        FOR v_part IN SELECT x.value FROM jsonb_array_elements(p_params -> 'parts') AS x LOOP
            IF jsonb_typeof(v_part) <> 'object' OR jsonb_typeof(v_part -> 'title') IS DISTINCT FROM 'string'
               OR length(v_part ->> 'title') > 500 OR private.is_blank(v_part ->> 'title')
               OR (v_part ? 'description' AND jsonb_typeof(v_part -> 'description') <> 'string') THEN
                RAISE EXCEPTION 'every part needs a title of 1 to 500 characters (and an optional description string)'
                    USING ERRCODE = '22023', HINT = 'E.g. {"title": "API half", "description": "..."}.';
            END IF;
            INSERT INTO public.work_orders (title, description, priority, complexity_score, metadata)
            VALUES (private.strip_blank(v_part ->> 'title'), coalesce(v_part ->> 'description', ''), v_wo.priority,
                    NULL, jsonb_build_object('parent_work_order_id', v_wo.id, 'split_by_escalation', p_escalation.id))
            RETURNING id INTO v_new;
            v_parts := v_parts || v_new;
        END LOOP;
        PERFORM private.write_work_order_status(v_wo.id, 'cancelled', v_reason,
            jsonb_build_object('split_into', to_jsonb(v_parts), 'blocked_by_escalation', NULL));
        v_target := 'cancelled';
    WHEN 'redecompose', 'revert' THEN
        PERFORM private.write_work_order_status(v_wo.id, 'cancelled', v_reason,
            jsonb_build_object(CASE v_action WHEN 'revert' THEN 'revert_requested' ELSE 'redecomposition_requested' END,
                               v_stamp, 'blocked_by_escalation', NULL));
        PERFORM public.raise_alert(CASE v_action WHEN 'revert' THEN 'warning' ELSE 'info' END,
            'work_order.' || v_action,
            CASE v_action WHEN 'revert' THEN 'Revert requested: ' ELSE 'Re-decomposition requested: ' END || left(v_wo.title, 200),
            format('Work order %s was cancelled by escalation %s (%s). %s', v_wo.id, p_escalation.id,
                   p_option ->> 'label', coalesce(p_notes, '')),
            format('%s:%s', v_action, v_wo.id),
            jsonb_build_object('work_order_id', v_wo.id, 'escalation_id', p_escalation.id));
        v_target := 'cancelled';
    WHEN 'pause' THEN
        PERFORM private.write_work_order_status(v_wo.id, 'paused', v_reason,
            jsonb_build_object('paused_by_escalation', p_escalation.id, 'blocked_by_escalation', NULL));
        v_target := 'paused';
    WHEN 'manual_review' THEN
        PERFORM private.write_work_order_status(v_wo.id, 'needs_review', v_reason,
            jsonb_build_object('manual_application', v_stamp, 'blocked_by_escalation', NULL));
        v_target := 'needs_review';
    WHEN 'cancel' THEN
        PERFORM private.write_work_order_status(v_wo.id, 'cancelled', v_reason,
            jsonb_build_object('cancelled_by_escalation', p_escalation.id, 'blocked_by_escalation', NULL));
        v_target := 'cancelled';
    WHEN 'requeue' THEN
        PERFORM private.write_work_order_status(v_wo.id, 'pending', v_reason,
            jsonb_build_object('requeued', v_stamp, 'blocked_by_escalation', NULL));
        v_target := 'pending';
    WHEN 'unblock' THEN
        v_target := CASE WHEN v_wo.status = 'blocked' THEN coalesce(v_wo.metadata ->> 'blocked_from', 'pending')
                         ELSE v_wo.status END;
        UPDATE public.work_orders AS w SET test_failure_cycles = 0 WHERE w.id = v_wo.id;
        PERFORM private.write_work_order_status(v_wo.id, v_target, v_reason,
            jsonb_build_object('unblocked', v_stamp, 'blocked_by_escalation', NULL));
    WHEN 'pause_non_critical' THEN
        PERFORM set_config('moose.status_reason', v_reason, true);
        UPDATE public.work_orders AS w
        SET status = 'paused',
            metadata = w.metadata || jsonb_build_object('paused_by_escalation', p_escalation.id)
        WHERE w.status IN ('pending', 'approved') AND w.priority IN ('low', 'medium');
        GET DIAGNOSTICS v_count = ROW_COUNT;
        PERFORM set_config('moose.status_reason', '', true);
        RETURN jsonb_build_object('action', v_action, 'paused_work_orders', v_count);
    WHEN 'set_config' THEN
        v_value := coalesce(p_params -> 'value', p_option -> 'effect' -> 'value');  -- the option may fix it
        IF v_value IS NULL OR jsonb_typeof(v_value) = 'null' THEN
            RAISE EXCEPTION 'option % needs params.value', p_option ->> 'key'
                USING ERRCODE = '22004', HINT = format('E.g. ''{"value": 150}'' for %s.', p_option -> 'effect' ->> 'key');
        END IF;
        SELECT c.value INTO v_config FROM public.system_config AS c WHERE c.key = p_option -> 'effect' ->> 'key';
        PERFORM public.update_config(p_option -> 'effect' ->> 'key', v_value);
        RETURN jsonb_build_object('action', v_action, 'key', p_option -> 'effect' ->> 'key',
                                  'old_value', v_config, 'new_value', v_value);
    WHEN 'start_orchestrator' THEN
        RETURN jsonb_build_object('action', v_action, 'orchestrator', public.orchestrator_start());
    WHEN 'record_only' THEN
        RETURN jsonb_build_object('action', v_action);
    ELSE
        RAISE EXCEPTION 'option % names unknown action %', p_option ->> 'key', coalesce(v_action, 'NULL')
            USING ERRCODE = '22023', HINT = 'Known actions: ' || array_to_string(private.escalation_actions(), ', ') || '.';
    END CASE;

    RETURN jsonb_strip_nulls(jsonb_build_object(
        'action', v_action, 'work_order_id', v_wo.id, 'from_status', v_wo.status, 'to_status', v_target,
        'model', v_model,
        'created_work_orders', CASE WHEN v_action = 'split' THEN to_jsonb(v_parts) END));
END
$$;

REVOKE ALL ON FUNCTION private.apply_escalation_effect(public.escalations, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.apply_escalation_effect(public.escalations, jsonb, jsonb, text) IS
    'Execute a resolution option''s effect on the work order(s) in the deciding transaction; returns what was done.';
