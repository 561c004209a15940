-- Operator re-queue (moose alerts retry ID): a failed delivery, or a throttled one that should
-- go out on its own after all, becomes pending now with a fresh attempt count. Audited.
CREATE OR REPLACE FUNCTION public.retry_alert_delivery(p_delivery_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_delivery public.alert_deliveries%ROWTYPE;
BEGIN
    IF p_delivery_id IS NULL THEN
        RAISE EXCEPTION 'delivery id is required' USING ERRCODE = '22004', HINT = 'See moose alerts list for ids.';
    END IF;
    SELECT * INTO v_delivery FROM public.alert_deliveries AS d WHERE d.id = p_delivery_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert delivery % does not exist', p_delivery_id
            USING ERRCODE = 'P0002', HINT = 'See moose alerts list (or SELECT * FROM alert_delivery_overview) for ids.';
    END IF;
    IF v_delivery.status NOT IN ('failed', 'throttled') THEN
        RAISE EXCEPTION 'alert delivery % is %, only failed or throttled deliveries can be retried', p_delivery_id, v_delivery.status
            USING ERRCODE = '55000', HINT = 'A pending or sending delivery is already queued; a delivered one was received.';
    END IF;
    UPDATE public.alert_deliveries AS d
    SET status = 'pending', attempts = 0, next_attempt_at = now(), summary_id = NULL, first_attempt_at = NULL,
        updated_at = now()
    WHERE d.id = p_delivery_id;
    -- A summary not yet sent that no longer holds anything is dropped rather than sent empty.
    DELETE FROM public.alert_deliveries AS s
    WHERE s.id = v_delivery.summary_id AND s.status = 'pending' AND s.attempts = 0
      AND NOT EXISTS (SELECT 1 FROM public.alert_deliveries AS h WHERE h.summary_id = s.id);
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'alert_delivery.retry', p_delivery_id::text,
            jsonb_build_object('previous_status', v_delivery.status, 'attempts', v_delivery.attempts,
                               'last_error', v_delivery.last_error));
    PERFORM pg_notify('moose_alerts', coalesce(v_delivery.alert_id, 0)::text);
    RETURN 'pending';
END
$$;

REVOKE ALL ON FUNCTION public.retry_alert_delivery(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.retry_alert_delivery(bigint) TO service_role, moose_runner;

COMMENT ON FUNCTION public.retry_alert_delivery(bigint) IS 'Re-queue a failed or throttled alert delivery now with a fresh attempt count (P0002 unknown id, 55000 for pending/sending/delivered). Audited.';
