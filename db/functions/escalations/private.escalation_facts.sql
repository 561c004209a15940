-- What the recommendation rules may look at for one escalation: the escalation's own context
-- keys, overlaid with facts read fresh from the database (the latest model used, the cost spent
-- and the attempts on the work order, its status and complexity, the orchestrator's state, and
-- for budget escalations today's spend share and work orders in a retry storm in the last hour).
CREATE OR REPLACE FUNCTION private.escalation_facts(p_escalation_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_wo public.work_orders%ROWTYPE;
    v_facts jsonb;
    v_model text;
    v_cost numeric;
    v_budget jsonb;
    v_storms integer;
BEGIN
    SELECT * INTO v_e FROM public.escalations AS e WHERE e.id = p_escalation_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_facts := v_e.context || jsonb_build_object(
        'trigger_type', v_e.trigger_type,
        'orchestrator_status', (SELECT o.status FROM public.orchestrator_state AS o LIMIT 1));
    IF v_e.work_order_id IS NOT NULL THEN
        SELECT * INTO v_wo FROM public.work_orders AS w WHERE w.id = v_e.work_order_id;
        SELECT o.model_used INTO v_model FROM public.outcome_vectors AS o
        WHERE o.work_order_id = v_e.work_order_id ORDER BY o.created_at DESC, o.id DESC LIMIT 1;
        -- The running figure (exactly SUM(cost) of its outcome vectors), not a scan of them.
        SELECT f.cost INTO v_cost FROM private.outcome_figures(v_e.work_order_id) AS f;
        v_facts := v_facts || jsonb_strip_nulls(jsonb_build_object(
            'model_used', coalesce(v_model, v_e.context ->> 'model_used'),
            'cost_spent', coalesce(v_cost, 0),
            'attempts', v_wo.refinement_attempts,
            'test_failure_cycles', v_wo.test_failure_cycles,
            'complexity_score', v_wo.complexity_score,
            'work_order_status', v_wo.status,
            'work_order_priority', v_wo.priority));
    END IF;
    IF v_e.trigger_type LIKE 'budget%' THEN
        v_budget := public.budget_status();
        -- Acute retry storms only (the last hour, index range on created_at): this runs inside
        -- the budget engine's tier crossing, which holds the day's ledger row, so it stays cheap.
        SELECT count(*) INTO v_storms
        FROM (SELECT o.work_order_id FROM public.outcome_vectors AS o
              WHERE o.created_at >= now() - interval '1 hour'
              GROUP BY o.work_order_id
              HAVING count(*) > private.config_numeric('retry_storm_attempts')) AS s;
        v_facts := v_facts || jsonb_build_object('percentage', v_budget -> 'percentage',
                                                 'daily_total', v_budget -> 'daily_total',
                                                 'retry_storms_last_hour', v_storms);
    END IF;
    RETURN v_facts;
END
$$;

REVOKE ALL ON FUNCTION private.escalation_facts(uuid) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_facts(uuid) IS 'Facts the recommendation rules read for an escalation: its context plus model_used, cost_spent, attempts, test_failure_cycles, complexity_score, work_order_status, orchestrator_status (budget types: percentage, daily_total, retry_storms_last_hour).';
