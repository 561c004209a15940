-- Undoes exactly what the kill switch did (runbook 5.1 resolution steps 4-5): the work orders
-- the kill paused go back to their previous status (others are left alone), the orchestrator
-- restarts if the kill stopped it, reservations are admitted again; audited with the note.
-- A call when no kill is in force changes nothing.
CREATE OR REPLACE FUNCTION public.resume_operations(p_note text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date := private.budget_day(now());
    v_ks public.budget_kill_switch%ROWTYPE;
    v_actor text := private.current_actor();
    v_resumed integer;
    v_orchestrator_restarted boolean := false;
    v_details jsonb;
    v_alert bigint;
    v_note text;
BEGIN
    v_note := private.check_text('the resume note', p_note, 1000,
                                 'Say why it is safe in 1 to 1000 characters, e.g. SELECT resume_operations(''retry loop fixed, limit raised'');');

    -- The kill's lock order: the global day stripes of the kill's days and of every killed
    -- day, then today's crossing marks, then the kill switch row.
    PERFORM private.budget_lock(NULL, private.budget_kill_days()
        || ARRAY(SELECT DISTINCT s.period_start FROM public.budget_stripes AS s
                 WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.killed));
    PERFORM 1 FROM public.budget_day_marks AS m WHERE m.budget_day = v_today FOR UPDATE;
    SELECT * INTO v_ks FROM public.budget_kill_switch AS ks WHERE ks.id FOR UPDATE;
    IF NOT v_ks.active THEN
        RETURN jsonb_build_object('resumed', false, 'alreadyRunning', true,
                                  'lastKillId', v_ks.kill_id, 'resumedAt', v_ks.resumed_at);
    END IF;

    UPDATE public.work_orders AS w
    SET status = CASE WHEN w.metadata ->> 'paused_from' IN ('pending', 'approved')
                      THEN w.metadata ->> 'paused_from' ELSE 'pending' END,
        metadata = w.metadata - ARRAY['emergency_pause', 'paused_at', 'paused_from', 'kill_id']
    WHERE w.status = 'paused'
      AND w.metadata ->> 'kill_id' = v_ks.kill_id::text;
    GET DIAGNOSTICS v_resumed = ROW_COUNT;

    IF v_ks.orchestrator_stopped THEN
        UPDATE public.orchestrator_state AS o
        SET status = 'running', stopped_reason = NULL, updated_at = now(), updated_by = v_actor
        WHERE o.id AND o.status = 'stopped'
          AND o.stopped_reason LIKE format('emergency kill %s:%%', v_ks.kill_id);
        v_orchestrator_restarted := FOUND;
    END IF;

    UPDATE public.budget_kill_switch AS ks
    SET active = false, resumed_at = now(), resumed_by = v_actor, resume_note = v_note
    WHERE ks.id;
    UPDATE public.budget_stripes AS s SET killed = false
    WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.killed;
    -- Let the automatic kill fire again today if spend reaches the threshold again.
    UPDATE public.budget_day_marks AS m SET kill_at = NULL WHERE m.budget_day = v_today;

    v_details := jsonb_build_object('kill_id', v_ks.kill_id, 'note', v_note,
                                    'kill_reason', v_ks.reason, 'killed_at', v_ks.killed_at,
                                    'resumed_work_orders', v_resumed,
                                    'orchestrator_restarted', v_orchestrator_restarted);
    v_alert := public.raise_alert('info', 'budget.resumed', 'Operations resumed after the emergency kill',
        format('%s resumed operations: %s. %s work orders unpaused.', v_actor, v_note, v_resumed),
        format('budget_resumed:%s', v_ks.kill_id), v_details);
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (v_actor, 'budget.resume_operations', 'budget', v_details || jsonb_build_object('alert_id', v_alert));

    RETURN jsonb_build_object('resumed', true, 'alreadyRunning', false, 'killId', v_ks.kill_id,
                              'resumedWorkOrders', v_resumed, 'orchestratorRestarted', v_orchestrator_restarted,
                              'resumedBy', v_actor, 'resumedAt', now());
END
$$;

REVOKE ALL ON FUNCTION public.resume_operations(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.resume_operations(text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.resume_operations(text) IS 'Undo the emergency kill: unpause exactly the work orders it paused, restart the orchestrator if it stopped it, admit reservations again; audited with the note. No-op when no kill is in force. The daily limit is not touched.';
