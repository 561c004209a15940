-- The orchestrator's way to record one agent attempt: validates what it is given and writes the
-- outcome vector where the runbook's investigation queries read it (metadata keys
-- refinement_metadata, error_details, error_message). Counting attempts and opening
-- retry_exhausted is the trigger outcome_vectors_count_attempts, so a direct INSERT counts too.
CREATE OR REPLACE FUNCTION public.record_outcome(
    p_work_order_id uuid,
    p_model_used text,
    p_cost numeric,
    p_success boolean,
    p_execution_time_ms integer DEFAULT NULL,
    p_route_reason text DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_model text;
    v_id bigint;
    v_wo public.work_orders%ROWTYPE;
    v_escalation uuid;
BEGIN
    IF p_model_used IS NULL OR p_cost IS NULL OR p_success IS NULL OR p_metadata IS NULL THEN
        RAISE EXCEPTION 'model, cost, success and metadata must not be NULL'
            USING ERRCODE = '22004', HINT = 'E.g. SELECT record_outcome(''<uuid>'', ''gpt-4o-mini'', 0.02, false);';
    END IF;
    v_model := private.check_text('model name', p_model_used, 200, 'Pass the model id, e.g. claude-sonnet-4.5.');
    IF p_cost = 'NaN'::numeric OR p_cost < 0 OR p_cost >= 1000000000 THEN
        RAISE EXCEPTION 'cost must be a number from 0 to 999999999, got %', p_cost
            USING ERRCODE = '22023', HINT = 'Pass the attempt''s cost in USD.';
    END IF;
    IF p_execution_time_ms < 0 THEN
        RAISE EXCEPTION 'execution time must not be negative, got %', p_execution_time_ms
            USING ERRCODE = '22023', HINT = 'Pass milliseconds, or NULL when unknown.';
    END IF;
    IF length(p_route_reason) > 1000 THEN
        RAISE EXCEPTION 'route reason must be at most 1000 characters'
            USING ERRCODE = '22023', HINT = 'Shorten the route reason.';
    END IF;
    PERFORM private.check_json_object('metadata', p_metadata, NULL,
        'E.g. ''{"refinement_metadata": {...}, "error_details": {...}, "error_message": "..."}''.');
    IF p_metadata ? 'error_message' AND jsonb_typeof(p_metadata -> 'error_message') NOT IN ('string', 'null') THEN
        RAISE EXCEPTION 'metadata.error_message must be a string'
            USING ERRCODE = '22023', HINT = 'Put structured errors in metadata.error_details.';
    END IF;

    PERFORM private.check_work_order(p_work_order_id);
    INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success, execution_time_ms, route_reason, metadata)
    VALUES (p_work_order_id, v_model, p_cost, p_success, p_execution_time_ms, p_route_reason, p_metadata)
    RETURNING id INTO v_id;

    SELECT * INTO v_wo FROM public.work_orders AS w WHERE w.id = p_work_order_id;
    SELECT e.id INTO v_escalation FROM public.escalations AS e
    WHERE e.work_order_id = p_work_order_id AND e.trigger_type = 'retry_exhausted'
      AND e.status IN ('pending', 'acknowledged');
    RETURN jsonb_build_object(
        'outcome_vector_id', v_id,
        'work_order_id', p_work_order_id,
        'refinement_attempts', v_wo.refinement_attempts,
        'max_refinement_attempts', private.config_numeric('max_refinement_attempts')::integer,
        'work_order_status', v_wo.status,
        'escalation_id', v_escalation);
END
$$;

REVOKE ALL ON FUNCTION public.record_outcome(uuid, text, numeric, boolean, integer, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.record_outcome(uuid, text, numeric, boolean, integer, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.record_outcome(uuid, text, numeric, boolean, integer, text, jsonb) IS 'Record one agent attempt (outcome vector). A failure counts as a refinement attempt; more than max_refinement_attempts opens retry_exhausted and blocks the work order. Returns {outcome_vector_id, refinement_attempts, work_order_status, escalation_id}.';
