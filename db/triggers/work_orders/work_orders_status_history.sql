-- Every work-order insert and status change lands in work_order_history with the actor
-- (private.current_actor(): JWT sub, else role, else login) and the reason the calling function
-- put in the transaction-local setting moose.status_reason (NULL for a bare UPDATE).
CREATE OR REPLACE FUNCTION private.work_orders_status_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.work_order_history (work_order_id, from_status, to_status, actor, reason)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            private.current_actor(), nullif(current_setting('moose.status_reason', true), ''));
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_status_history
    AFTER INSERT OR UPDATE OF status ON public.work_orders
    FOR EACH ROW EXECUTE FUNCTION private.work_orders_status_history();

REVOKE ALL ON FUNCTION private.work_orders_status_history() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_status_history() IS 'Trigger function: writes a work_order_history row (from, to, actor, reason from moose.status_reason) per insert and status change.';
COMMENT ON TRIGGER work_orders_status_history ON public.work_orders IS 'Records every insert and status change in work_order_history with actor and reason.';
