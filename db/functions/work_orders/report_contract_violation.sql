-- The contract validator's report of a breaking change. The details go on the outcome vector of
-- the attempt that broke the contract (metadata->'contract_validation', where runbook 3.1 type 4
-- reads them; the latest attempt unless one is named), a contract_violation escalation opens at
-- once and the work order is held for the decision.
CREATE OR REPLACE FUNCTION public.report_contract_violation(
    p_work_order_id uuid, p_contract_id uuid, p_violation jsonb, p_outcome_vector_id bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_contract public.contracts%ROWTYPE;
    v_outcome bigint;
    v_validation jsonb;
    v_escalation uuid;
BEGIN
    IF p_contract_id IS NULL OR p_violation IS NULL THEN
        RAISE EXCEPTION 'contract id and violation must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the contracts.id and the validator''s errors as a JSON object.';
    END IF;
    PERFORM private.check_required('work order id', p_work_order_id, 'Pass the id of a row in work_orders.');
    -- The values before the lookups (docs/CONVENTIONS.md, "Errors").
    PERFORM private.check_json_object('violation', p_violation, 100000,
        'E.g. ''{"errors": [{"path": "/api/x", "change": "field removed"}]}'': the breaking changes, not the whole specification.');
    IF p_violation = '{}'::jsonb THEN
        RAISE EXCEPTION 'violation must not be an empty JSON object'
            USING ERRCODE = '22023', HINT = 'E.g. ''{"errors": [{"path": "/api/x", "change": "field removed"}]}''.';
    END IF;
    PERFORM private.check_work_order(p_work_order_id);
    SELECT * INTO v_contract FROM public.contracts AS c WHERE c.id = p_contract_id;
    PERFORM private.check_found(FOUND, 'contract', p_contract_id, 'Check the id in contracts.');
    SELECT o.id INTO v_outcome FROM public.outcome_vectors AS o
    WHERE o.work_order_id = p_work_order_id AND (p_outcome_vector_id IS NULL OR o.id = p_outcome_vector_id)
    ORDER BY o.created_at DESC, o.id DESC LIMIT 1;
    IF v_outcome IS NULL AND p_outcome_vector_id IS NOT NULL THEN
        RAISE EXCEPTION 'outcome vector % does not belong to work order %', p_outcome_vector_id, p_work_order_id
            USING ERRCODE = 'P0002', HINT = 'Pass an outcome vector of this work order, or NULL for its latest.';
    ELSIF v_outcome IS NULL THEN
        RAISE EXCEPTION 'work order % has no recorded attempt to attach the violation to', p_work_order_id
            USING ERRCODE = '55000', HINT = 'Record the attempt first with record_outcome(...).';
    END IF;

    v_validation := jsonb_build_object('valid', false, 'contract_id', v_contract.id, 'contract_name', v_contract.name,
                                       'contract_version', v_contract.version, 'violation', p_violation,
                                       'reported_at', now());
    UPDATE public.outcome_vectors AS o
    SET metadata = o.metadata || jsonb_build_object('contract_validation', v_validation)
    WHERE o.id = v_outcome;

    v_escalation := public.create_escalation(p_work_order_id, 'contract_violation', jsonb_build_object(
        'reason', format('breaking change against contract %s %s', v_contract.name, v_contract.version),
        'contract_id', v_contract.id, 'outcome_vector_id', v_outcome, 'violation', p_violation));
    PERFORM private.block_work_order(p_work_order_id, v_escalation, 'contract_violation escalation');
    RETURN jsonb_build_object('work_order_id', p_work_order_id, 'outcome_vector_id', v_outcome,
                              'escalation_id', v_escalation);
END
$$;

REVOKE ALL ON FUNCTION public.report_contract_violation(uuid, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.report_contract_violation(uuid, uuid, jsonb, bigint) TO service_role, moose_runner;

COMMENT ON FUNCTION public.report_contract_violation(uuid, uuid, jsonb, bigint) IS 'The contract validator reports a breaking change: stored in outcome_vectors.metadata->''contract_validation'' of the attempt, opens contract_violation at once, blocks the work order. Returns {outcome_vector_id, escalation_id}.';
