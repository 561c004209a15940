-- The API for moving a work order (the orchestrator over PostgREST, a DBA in psql): validates
-- the arguments, then the state-machine trigger decides; the reason lands in the history.
CREATE OR REPLACE FUNCTION public.set_work_order_status(p_work_order_id uuid, p_status text, p_reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old text;
BEGIN
    IF p_work_order_id IS NULL OR p_status IS NULL THEN
        RAISE EXCEPTION 'work order id and status must not be NULL'
            USING ERRCODE = '22004', HINT = 'E.g. SELECT set_work_order_status(''<uuid>'', ''in_progress'', ''picked up'');';
    END IF;
    IF p_status NOT IN ('pending', 'approved', 'in_progress', 'paused', 'blocked', 'needs_review',
                        'completed', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'unknown work order status %', quote_literal(left(p_status, 50))
            USING ERRCODE = '22023',
                  HINT = 'Statuses: pending, approved, in_progress, paused, blocked, needs_review, completed, failed, cancelled.';
    END IF;
    IF length(p_reason) > 1000 THEN
        RAISE EXCEPTION 'reason must be at most 1000 characters, got %', length(p_reason)
            USING ERRCODE = '22023', HINT = 'Shorten the reason.';
    END IF;
    v_old := private.write_work_order_status(p_work_order_id, p_status, p_reason);
    RETURN jsonb_build_object('work_order_id', p_work_order_id, 'from_status', v_old, 'to_status', p_status);
END
$$;

REVOKE ALL ON FUNCTION public.set_work_order_status(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_work_order_status(uuid, text, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.set_work_order_status(uuid, text, text) IS 'Move a work order to another status with a reason (kept in work_order_history). Illegal transitions: 55000 with the legal targets in the HINT; unknown id: P0002.';
