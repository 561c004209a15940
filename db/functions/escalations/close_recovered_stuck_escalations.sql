-- A stuck_work_order escalation is about one stuck episode; once its work order has left the
-- status it was stuck in (someone moved it on, it completed or failed), the trouble it reports
-- is over. Still open, it would page on-call at its SLA for a problem that went away, so it is
-- closed as dismissed with the reason in its resolution and an audit row. check_escalation_slas
-- runs this first; a DBA may run it any time. An escalation being decided right now (its row
-- locked by resolve_escalation) is skipped: the decision wins. Returns how many were closed.
CREATE OR REPLACE FUNCTION public.close_recovered_stuck_escalations() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    WITH recovered AS (
        SELECT e.id, e.work_order_id, ep.id AS episode_id, ep.status AS stuck_status, wo.status AS status_now
        FROM public.escalations AS e
        JOIN public.work_order_stuck_episodes AS ep ON ep.escalation_id = e.id
        JOIN public.work_orders AS wo ON wo.id = ep.work_order_id
        WHERE e.trigger_type = 'stuck_work_order'
          AND e.status IN ('pending', 'acknowledged')
          AND wo.status <> ep.status
        ORDER BY e.id
        FOR UPDATE OF e SKIP LOCKED
    ), closed AS (
        UPDATE public.escalations AS e
        SET status = 'dismissed',
            resolved_at = now(),
            resolved_by = 'moose (work order recovered)',
            resolution = jsonb_build_object('dismissed', 'work order recovered', 'automatic', true,
                                            'stuck_status', r.stuck_status, 'status_now', r.status_now,
                                            'episode_id', r.episode_id)
        FROM recovered AS r
        WHERE e.id = r.id
        RETURNING e.id, r.work_order_id, r.stuck_status, r.status_now
    ), audited AS (
        INSERT INTO public.audit_log (actor, action, target, details)
        SELECT 'moose', 'escalation.auto_dismissed', c.id::text,
               jsonb_build_object('reason', 'work order recovered', 'work_order_id', c.work_order_id,
                                  'stuck_status', c.stuck_status, 'status_now', c.status_now)
        FROM closed AS c
        RETURNING 1
    )
    SELECT count(*) INTO v_count FROM audited;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION public.close_recovered_stuck_escalations() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.close_recovered_stuck_escalations() TO service_role, moose_runner;

COMMENT ON FUNCTION public.close_recovered_stuck_escalations() IS 'Dismiss open stuck_work_order escalations whose work order has left the status it was stuck in (resolution {dismissed: "work order recovered", automatic: true, ...}, audited), so their SLA does not page on-call. Run by check_escalation_slas; returns how many were closed.';
