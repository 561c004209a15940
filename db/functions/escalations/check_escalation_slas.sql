-- Scheduled: every open (pending or acknowledged) escalation past its SLA deadline raises one
-- escalation.sla_breached alert, marked on the row (sla_breach_alerted_at) so later runs do not
-- repeat it. Uses the partial index escalations_open_sla_idx. Stuck escalations whose work order
-- has recovered are closed first (close_recovered_stuck_escalations), so they do not page.
-- Returns the number of alerts raised.
CREATE OR REPLACE FUNCTION public.check_escalation_slas() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e record;
    v_count integer := 0;
BEGIN
    PERFORM public.close_recovered_stuck_escalations();
    FOR v_e IN
        SELECT e.id, e.work_order_id, e.trigger_type, e.priority, e.status, e.sla_due_at, e.created_at
        FROM public.escalations AS e
        WHERE e.status IN ('pending', 'acknowledged') AND e.sla_due_at < now() AND e.sla_breach_alerted_at IS NULL
        ORDER BY e.sla_due_at
        FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM public.raise_alert(
            CASE v_e.priority WHEN 'high' THEN 'critical' ELSE 'error' END,
            'escalation.sla_breached',
            format('Escalation SLA breached (%s priority): %s', v_e.priority, v_e.trigger_type),
            format('Escalation %s (%s, work order %s) was due at %s and is still %s.', v_e.id, v_e.trigger_type,
                   coalesce(v_e.work_order_id::text, 'none'), v_e.sla_due_at, v_e.status),
            'escalation_sla:' || v_e.id::text,
            jsonb_build_object('escalation_id', v_e.id, 'work_order_id', v_e.work_order_id,
                               'trigger_type', v_e.trigger_type, 'priority', v_e.priority,
                               'sla_due_at', v_e.sla_due_at, 'status', v_e.status));
        UPDATE public.escalations AS e SET sla_breach_alerted_at = now() WHERE e.id = v_e.id;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION public.check_escalation_slas() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.check_escalation_slas() TO service_role, moose_runner;

COMMENT ON FUNCTION public.check_escalation_slas() IS 'Scheduled: close stuck escalations whose work order recovered (close_recovered_stuck_escalations), then raise one escalation.sla_breached alert per open escalation past sla_due_at (marked in sla_breach_alerted_at). Returns how many alerts were raised.';
