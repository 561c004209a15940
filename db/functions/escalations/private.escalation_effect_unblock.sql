-- Effect "unblock": a blocked work order returns to the status it was blocked from
-- (metadata.blocked_from, else pending); test failure cycles reset.
CREATE OR REPLACE FUNCTION private.escalation_effect_unblock(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE public.work_orders AS w SET test_failure_cycles = 0 WHERE w.id = p_work_order.id;
    RETURN private.escalation_move_work_order(p_escalation, p_work_order, p_option,
               CASE WHEN p_work_order.status = 'blocked' THEN coalesce(p_work_order.metadata ->> 'blocked_from', 'pending')
                    ELSE p_work_order.status END,
               jsonb_build_object('unblocked', jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key', 'instructions', p_notes, 'at', now())));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_unblock(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_unblock(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect unblock: a blocked work order returns to metadata.blocked_from; test cycles reset.';
