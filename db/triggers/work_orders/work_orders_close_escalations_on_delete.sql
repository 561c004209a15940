-- Deleting a work order dismisses its open escalations first. escalations.work_order_id is
-- ON DELETE SET NULL (the history stays), and open escalations are unique per (work order,
-- type) with NULLS NOT DISTINCT: without this, deleting two work orders that each had an open
-- escalation of one type failed with a unique violation (both became open system-wide ones),
-- and any one of them would have turned into a bogus system-wide escalation.
-- SECURITY DEFINER (search_path pinned) because it records private.current_actor(), which the
-- API roles cannot reach.
CREATE OR REPLACE FUNCTION private.work_orders_close_escalations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE public.escalations AS e
    SET status = 'dismissed',
        resolved_at = now(),
        resolved_by = private.current_actor(),
        resolution = jsonb_build_object('dismissed', 'work order deleted', 'work_order_id', OLD.id)
    WHERE e.work_order_id = OLD.id
      AND e.status IN ('pending', 'acknowledged');
    RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_close_escalations_on_delete
    BEFORE DELETE ON public.work_orders
    FOR EACH ROW EXECUTE FUNCTION private.work_orders_close_escalations();

REVOKE ALL ON FUNCTION private.work_orders_close_escalations() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_close_escalations() IS 'Trigger function: dismisses the open escalations of a work order being deleted, so they do not become open system-wide escalations.';
COMMENT ON TRIGGER work_orders_close_escalations_on_delete ON public.work_orders IS 'Dismisses the work order''s open escalations before the row goes (escalations keep their history, unlinked).';
