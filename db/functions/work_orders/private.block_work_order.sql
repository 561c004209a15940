-- Holds a work order for a human decision: when its status may move to blocked, it does, and
-- metadata remembers where it came from and which escalation holds it, so "unblock" and a
-- dismissal can put it back. A status that cannot be blocked (cancelled, failed) is left as is.
CREATE OR REPLACE FUNCTION private.block_work_order(p_work_order_id uuid, p_escalation_id uuid, p_reason text)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_status text;
BEGIN
    SELECT w.status INTO v_status FROM public.work_orders AS w WHERE w.id = p_work_order_id FOR NO KEY UPDATE;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM public.work_order_transitions AS t
                                WHERE t.from_status = v_status AND t.to_status = 'blocked') THEN
        RETURN false;
    END IF;
    PERFORM private.write_work_order_status(p_work_order_id, 'blocked', p_reason,
        jsonb_build_object('blocked_from', v_status, 'blocked_by_escalation', p_escalation_id));
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION private.block_work_order(uuid, uuid, text) FROM PUBLIC;

COMMENT ON FUNCTION private.block_work_order(uuid, uuid, text) IS 'Move a work order to blocked (when legal), remembering blocked_from and blocked_by_escalation in metadata; false when it cannot be blocked.';
