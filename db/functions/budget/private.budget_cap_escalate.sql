-- A service or work-order budget refused a call (limit_exceeded): open its budget_cap_reached
-- escalation, once per scope and period (table budget_cap_escalations), for the call's work
-- order where it names one. Called on check_and_reserve_budget's refusal path only, with the
-- budget's stripes held: the escalation comes after them in the lock order (docs/BUDGET.md).
-- While the work order (or, without one, the system) already has an open budget_cap_reached
-- escalation, nothing is recorded and nothing opens: one decision at a time, and the next
-- refusal after it is decided opens this scope's. Returns the escalation id opened, or NULL.
CREATE OR REPLACE FUNCTION private.budget_cap_escalate(p_scope jsonb, p_work_order text) RETURNS uuid
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_wo uuid := p_work_order::uuid;
    v_start date := coalesce((p_scope ->> 'periodStart')::date, '-infinity'::date);
    v_id uuid;
BEGIN
    IF p_scope ->> 'scope' NOT IN ('service', 'work_order') THEN
        RETURN NULL;
    END IF;
    -- Already opened for this scope and period (the common repeat refusal: one index probe).
    IF EXISTS (SELECT 1 FROM public.budget_cap_escalations AS c
               WHERE c.scope = p_scope ->> 'scope' AND c.key = p_scope ->> 'key'
                 AND c.period = p_scope ->> 'period' AND c.period_start = v_start) THEN
        RETURN NULL;
    END IF;
    -- An open one (seen as of now, without waiting on a decider that holds it) takes precedence.
    IF EXISTS (SELECT 1 FROM public.escalations AS e
               WHERE e.work_order_id IS NOT DISTINCT FROM v_wo AND e.trigger_type = 'budget_cap_reached'
                 AND e.status IN ('pending', 'acknowledged')) THEN
        RETURN NULL;
    END IF;
    v_id := public.create_escalation(v_wo, 'budget_cap_reached',
                jsonb_build_object('scope', p_scope ->> 'scope', 'key', p_scope ->> 'key',
                                   'budgetKey', p_scope ->> 'budgetKey', 'period', p_scope ->> 'period',
                                   'periodStart', p_scope -> 'periodStart', 'limit', p_scope -> 'limit',
                                   'spent', p_scope -> 'spent', 'reserved', p_scope -> 'reserved'));
    INSERT INTO public.budget_cap_escalations (scope, key, period, period_start, escalation_id)
    VALUES (p_scope ->> 'scope', p_scope ->> 'key', p_scope ->> 'period', v_start, v_id)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;  -- a concurrent refusal of the same scope recorded its escalation first
    END IF;
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION private.budget_cap_escalate(jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_cap_escalate(jsonb, text) IS 'On a service or work-order cap refusal: open the budget_cap_reached escalation (the work order''s where the call names one) once per scope and period (budget_cap_escalations); NULL when one is already recorded or open.';
