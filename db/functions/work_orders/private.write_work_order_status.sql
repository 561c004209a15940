-- The one place the API functions change a work order's status: locks the row, puts the reason
-- where the history trigger reads it (moose.status_reason, transaction-local), merges metadata,
-- and lets the state-machine trigger refuse an illegal move (55000). Same status: metadata only.
CREATE OR REPLACE FUNCTION private.write_work_order_status(
    p_work_order_id uuid, p_status text, p_reason text, p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old text;
BEGIN
    SELECT w.status INTO v_old FROM public.work_orders AS w WHERE w.id = p_work_order_id FOR NO KEY UPDATE;
    PERFORM private.check_found(FOUND, 'work order', p_work_order_id, 'Check the id in work_orders.');
    PERFORM set_config('moose.status_reason', coalesce(left(p_reason, 1000), ''), true);
    UPDATE public.work_orders AS w
    SET status = p_status,
        metadata = w.metadata || coalesce(p_metadata, '{}'::jsonb)
    WHERE w.id = p_work_order_id;
    PERFORM set_config('moose.status_reason', '', true);
    RETURN v_old;
END
$$;

REVOKE ALL ON FUNCTION private.write_work_order_status(uuid, text, text, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.write_work_order_status(uuid, text, text, jsonb) IS 'Change a work order''s status with a reason for work_order_history and merged metadata; returns the old status. Illegal moves raise 55000 (trigger).';
