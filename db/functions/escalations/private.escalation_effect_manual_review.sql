-- Effect "manual_review": the work order moves to needs_review.
CREATE OR REPLACE FUNCTION private.escalation_effect_manual_review(p_escalation public.escalations, p_work_order public.work_orders, p_option jsonb, p_params jsonb, p_notes text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN private.escalation_move_work_order(p_escalation, p_work_order, p_option, 'needs_review',
               jsonb_build_object('manual_application', jsonb_build_object('escalation_id', p_escalation.id, 'option', p_option ->> 'key', 'instructions', p_notes, 'at', now())));
END
$$;

REVOKE ALL ON FUNCTION private.escalation_effect_manual_review(public.escalations, public.work_orders, jsonb, jsonb, text) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_effect_manual_review(public.escalations, public.work_orders, jsonb, jsonb, text) IS 'Escalation effect manual_review: work order to needs_review.';
