-- Sentinel's (the CI watcher's) report of one test run for a work order. A failing run adds a
-- cycle to work_orders.test_failure_cycles, a passing run resets it; more failing cycles than
-- max_test_failure_cycles opens test_failures and holds the work order for the decision. The
-- last 20 runs are kept in work_orders.metadata->'test_runs' for the investigation.
CREATE OR REPLACE FUNCTION public.report_test_run(
    p_work_order_id uuid, p_passed boolean, p_details jsonb DEFAULT '{}'::jsonb
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cycles integer;
    v_max integer := private.config_numeric('max_test_failure_cycles')::integer;
    v_run jsonb;
    v_escalation uuid;
BEGIN
    PERFORM private.check_required('passed', p_passed, 'true for a green run, false for a red one.');
    PERFORM private.check_json_object('details', p_details, 100000,
        'E.g. ''{"run_id": 12345, "failed_tests": ["test_x"]}'', or ''{}'': the failing tests and the run id, not the whole log.');

    PERFORM private.check_work_order(p_work_order_id);
    v_run := jsonb_build_object('passed', p_passed, 'at', now(), 'details', p_details);
    UPDATE public.work_orders AS w
    SET test_failure_cycles = CASE WHEN p_passed THEN 0 ELSE w.test_failure_cycles + 1 END,
        metadata = jsonb_set(w.metadata, '{test_runs}',
            (SELECT coalesce(jsonb_agg(r.value ORDER BY r.ord), '[]'::jsonb)
             FROM (SELECT x.value, x.ord
                   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.metadata -> 'test_runs') = 'array'
                                                  THEN w.metadata -> 'test_runs' ELSE '[]'::jsonb END
                                             || jsonb_build_array(v_run)) WITH ORDINALITY AS x(value, ord)
                   ORDER BY x.ord DESC LIMIT 20) AS r))
    WHERE w.id = p_work_order_id
    RETURNING w.test_failure_cycles INTO v_cycles;

    IF v_cycles > v_max THEN
        v_escalation := public.create_escalation(p_work_order_id, 'test_failures', jsonb_build_object(
            'reason', format('%s consecutive failing test runs, more than the allowed %s', v_cycles, v_max),
            'test_failure_cycles', v_cycles,
            'max_test_failure_cycles', v_max,
            'last_run', p_details));
        PERFORM private.block_work_order(p_work_order_id, v_escalation, 'test_failures escalation');
    END IF;
    RETURN jsonb_build_object('work_order_id', p_work_order_id, 'test_failure_cycles', v_cycles,
                              'max_test_failure_cycles', v_max, 'escalation_id', v_escalation);
END
$$;

REVOKE ALL ON FUNCTION public.report_test_run(uuid, boolean, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.report_test_run(uuid, boolean, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.report_test_run(uuid, boolean, jsonb) IS 'Sentinel reports a test run: failing runs count cycles, a pass resets them; more than max_test_failure_cycles opens test_failures and blocks the work order. Returns {test_failure_cycles, escalation_id}.';
