-- The one definition of "stuck" (runbook 1.4): pending untouched longer than
-- stuck_pending_after, in progress untouched longer than stuck_in_progress_after, measured on
-- updated_at (any write to the work order is activity). One index range scan per status on the
-- partial index work_orders_stuck_candidates_idx, so it stays fast at millions of work orders.
-- Used by escalate_stuck_work_orders(), system_health() and the stuck_work_orders view.
CREATE OR REPLACE FUNCTION public.find_stuck_work_orders()
RETURNS TABLE (work_order_id uuid, title text, status text, priority text, updated_at timestamptz,
               stuck_for interval, threshold interval)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_pending interval := private.config_interval('stuck_pending_after');
    v_in_progress interval := private.config_interval('stuck_in_progress_after');
    v_now timestamptz := now();
BEGIN
    RETURN QUERY
    SELECT w.id, w.title, w.status, w.priority, w.updated_at, v_now - w.updated_at, v_pending
    FROM public.work_orders AS w
    WHERE w.status = 'pending' AND w.updated_at < v_now - v_pending
    UNION ALL
    SELECT w.id, w.title, w.status, w.priority, w.updated_at, v_now - w.updated_at, v_in_progress
    FROM public.work_orders AS w
    WHERE w.status = 'in_progress' AND w.updated_at < v_now - v_in_progress;
END
$$;

REVOKE ALL ON FUNCTION public.find_stuck_work_orders() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.find_stuck_work_orders() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.find_stuck_work_orders() IS 'Work orders stuck now: pending longer than stuck_pending_after or in progress longer than stuck_in_progress_after without an update (runbook 1.4).';
