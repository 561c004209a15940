-- The kill switch (runbook 5.1's immediate actions) in one transaction: refuse every
-- reservation (kill switch row and each current global day stripe's `killed`), stop the orchestrator,
-- pause pending and approved work orders marked with this kill's id, cancel open reservations,
-- open one budget_critical escalation, raise an alert and write the audit row. A second call
-- while the kill is in force changes nothing. Shared by emergency_kill() and the automatic
-- kill in private.budget_check_crossings(). The daily limit is left as it is.
CREATE OR REPLACE FUNCTION private.budget_kill(p_reason text, p_automatic boolean) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date := private.budget_day(now());
    v_ks public.budget_kill_switch%ROWTYPE;
    v_kill_id uuid := gen_random_uuid();
    v_actor text := private.current_actor();
    v_orchestrator_stopped boolean;
    v_cancelled integer;
    v_cancelled_amount numeric;
    v_paused integer;
    v_spent numeric;
    v_limit numeric := private.config_numeric('daily_budget_limit');
    v_escalation uuid;
    v_alert bigint;
    v_details jsonb;
BEGIN
    -- The lock order (docs/BUDGET.md): the global day stripes of every day with open
    -- reservations, yesterday, today and tomorrow (created if missing), then the other stripes
    -- the open reservations debited, then the kill switch row. A reservation racing the kill
    -- across midnight, on either side, meets a killed stripe.
    PERFORM private.budget_lock(NULL, private.budget_kill_days());
    PERFORM private.budget_lock((SELECT jsonb_agg(d.ref) FROM public.budget_reservations AS r
                                 CROSS JOIN LATERAL jsonb_array_elements(r.debits) AS d(ref)
                                 WHERE r.status = 'open'));
    SELECT * INTO v_ks FROM public.budget_kill_switch AS ks WHERE ks.id FOR UPDATE;
    IF v_ks.active THEN
        RETURN jsonb_build_object('killed', true, 'alreadyActive', true, 'killId', v_ks.kill_id,
                                  'reason', v_ks.reason, 'killedAt', v_ks.killed_at, 'killedBy', v_ks.killed_by);
    END IF;

    UPDATE public.orchestrator_state AS o
    SET status = 'stopped',
        stopped_reason = format('emergency kill %s: %s', v_kill_id, left(p_reason, 500)),
        updated_at = now(),
        updated_by = v_actor
    WHERE o.id AND o.status = 'running';
    v_orchestrator_stopped := FOUND;

    UPDATE public.budget_kill_switch AS ks
    SET active = true, kill_id = v_kill_id, reason = p_reason, automatic = p_automatic,
        killed_at = now(), killed_by = v_actor, orchestrator_stopped = v_orchestrator_stopped,
        resumed_at = NULL, resumed_by = NULL, resume_note = NULL
    WHERE ks.id;

    -- Stripes of later days created from now on copy the switch (private.budget_open_stripes).
    UPDATE public.budget_stripes AS s SET killed = true
    WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start >= v_today - 1 AND NOT s.killed;

    SELECT c.o_count, c.o_amount INTO v_cancelled, v_cancelled_amount
    FROM private.budget_close_reservations(NULL, 'cancelled') AS c;

    UPDATE public.work_orders AS w
    SET status = 'paused',
        metadata = w.metadata || jsonb_build_object('emergency_pause', true, 'paused_at', now(),
                                                    'paused_from', w.status, 'kill_id', v_kill_id)
    WHERE w.status IN ('pending', 'approved');
    GET DIAGNOSTICS v_paused = ROW_COUNT;

    SELECT coalesce(sum(s.spent), 0) INTO v_spent FROM public.budget_stripes AS s
    WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start = v_today;
    v_details := jsonb_build_object(
        'kill_id', v_kill_id, 'reason', p_reason, 'automatic', p_automatic,
        'daily_total', v_spent, 'limit', v_limit, 'budget_day', v_today,
        'paused_work_orders', v_paused, 'cancelled_reservations', v_cancelled,
        'cancelled_amount', v_cancelled_amount, 'orchestrator_stopped', v_orchestrator_stopped);

    v_escalation := public.create_escalation(NULL, 'budget_critical', v_details);
    v_alert := public.raise_alert('critical', 'budget.emergency_kill',
        'Emergency kill: all LLM operations stopped',
        format('%s. Spend today %s of %s USD. Paused %s work orders, cancelled %s reservations. '
               || 'Resume with: SELECT resume_operations(''why it is safe'');',
               p_reason, v_spent, v_limit, v_paused, v_cancelled),
        format('budget_emergency_kill:%s', v_kill_id),
        v_details || jsonb_build_object('escalation_id', v_escalation));

    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.emergency_kill', 'budget',
            v_details || jsonb_build_object('escalation_id', v_escalation, 'alert_id', v_alert));

    RETURN jsonb_build_object('killed', true, 'alreadyActive', false, 'killId', v_kill_id,
                              'reason', p_reason, 'automatic', p_automatic, 'killedAt', now(),
                              'killedBy', v_actor, 'pausedWorkOrders', v_paused,
                              'cancelledReservations', v_cancelled, 'escalationId', v_escalation,
                              'alertId', v_alert, 'dailyTotal', v_spent, 'limit', v_limit);
END
$$;

REVOKE ALL ON FUNCTION private.budget_kill(text, boolean) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_kill(text, boolean) IS 'Engage the kill switch (runbook 5.1) in one transaction; a no-op returning alreadyActive when it is already on. Used by emergency_kill() and the automatic kill.';
