-- The shared tail of the work-order effects: moves the escalation's work order to p_to_status
-- through the state machine (private.write_work_order_status, 55000 when the move is illegal,
-- which rolls the decision back), with the reason "escalation <id> (<type>): <option>" and
-- p_metadata merged (blocked_by_escalation cleared), and returns what the decision log records.
CREATE OR REPLACE FUNCTION private.escalation_move_work_order(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_to_status text, p_metadata jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.write_work_order_status(p_work_order.id, p_to_status,
        format('escalation %s (%s): %s', p_escalation.id, p_escalation.trigger_type, p_option ->> 'key'),
        p_metadata || jsonb_build_object('blocked_by_escalation', NULL));
    RETURN jsonb_build_object('action', p_option -> 'effect' ->> 'action', 'work_order_id', p_work_order.id,
                              'from_status', p_work_order.status, 'to_status', p_to_status);
END
$$;

REVOKE ALL ON FUNCTION private.escalation_move_work_order(public.escalations, public.work_orders, jsonb, text, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_move_work_order(public.escalations, public.work_orders, jsonb, text, jsonb) IS 'Move the escalation''s work order to a status through the state machine with the decision''s reason; returns {action, work_order_id, from_status, to_status}.';
