-- The orchestrator's report that Aider could not apply code changes: the output goes to
-- work_orders.metadata->'aider_output' (where runbook 3.1 type 5 reads it), an aider_failure
-- escalation opens at once and the work order is held for the decision.
CREATE OR REPLACE FUNCTION public.report_aider_failure(
    p_work_order_id uuid, p_output text, p_details jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_escalation uuid;
BEGIN
    PERFORM private.check_required('details', p_details,
        'E.g. ''{"exit_code": 1, "files": ["src/a.ts"]}'', or ''{}''.');
    PERFORM private.check_text('Aider output', p_output, 100000,
                               'Pass Aider''s stdout/stderr; the last 100000 characters are enough.');
    PERFORM private.check_json_object('details', p_details, NULL, 'E.g. ''{"exit_code": 1, "files": ["src/a.ts"]}'', or ''{}''.');

    PERFORM private.check_work_order(p_work_order_id);
    UPDATE public.work_orders AS w
    SET metadata = w.metadata || jsonb_build_object('aider_output',
            jsonb_build_object('output', p_output, 'details', p_details, 'reported_at', now()))
    WHERE w.id = p_work_order_id;

    v_escalation := public.create_escalation(p_work_order_id, 'aider_failure', jsonb_build_object(
        'reason', 'Aider could not apply the code changes',
        'output_tail', right(p_output, 2000), 'details', p_details));
    PERFORM private.block_work_order(p_work_order_id, v_escalation, 'aider_failure escalation');
    RETURN jsonb_build_object('work_order_id', p_work_order_id, 'escalation_id', v_escalation);
END
$$;

REVOKE ALL ON FUNCTION public.report_aider_failure(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.report_aider_failure(uuid, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.report_aider_failure(uuid, text, jsonb) IS 'The orchestrator reports that Aider failed: output stored in work_orders.metadata->''aider_output'', aider_failure opens at once, the work order is blocked. Returns {escalation_id}.';
