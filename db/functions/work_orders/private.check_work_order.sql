-- Shared argument check of the reporter functions: the work order id is given and exists.
CREATE OR REPLACE FUNCTION private.check_work_order(p_work_order_id uuid) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM private.check_required('work order id', p_work_order_id, 'Pass the id of a row in work_orders.');
    IF NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = p_work_order_id) THEN
        RAISE EXCEPTION 'work order % does not exist', p_work_order_id
            USING ERRCODE = 'P0002', HINT = 'Check the id in work_orders.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.check_work_order(uuid) FROM PUBLIC;

COMMENT ON FUNCTION private.check_work_order(uuid) IS 'Raise 22004 for a NULL work order id, P0002 for an unknown one.';
