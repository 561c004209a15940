-- The work-order state machine: a status change must be listed in work_order_transitions, or it
-- is refused with SQLSTATE 55000 and a HINT naming the legal targets. A legal change stamps
-- status_changed_at. Enforced by trigger so the orchestrator, emergency_kill and a DBA's
-- hand-written UPDATE are all held to it.
CREATE OR REPLACE FUNCTION private.work_orders_status_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_targets text;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.work_order_transitions AS t
                   WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
        SELECT string_agg(t.to_status, ', ' ORDER BY t.to_status) INTO v_targets
        FROM public.work_order_transitions AS t WHERE t.from_status = OLD.status;
        RAISE EXCEPTION 'illegal work order transition % -> % (work order %)', OLD.status, NEW.status, OLD.id
            USING ERRCODE = '55000',
                  HINT = CASE WHEN v_targets IS NULL
                              THEN format('%s is final: no transition leaves it.', OLD.status)
                              ELSE format('From %s the legal targets are: %s.', OLD.status, v_targets) END;
    END IF;
    NEW.status_changed_at := now();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER work_orders_status_guard
    BEFORE UPDATE OF status ON public.work_orders
    FOR EACH ROW EXECUTE FUNCTION private.work_orders_status_guard();

REVOKE ALL ON FUNCTION private.work_orders_status_guard() FROM PUBLIC;
COMMENT ON FUNCTION private.work_orders_status_guard() IS 'Trigger function: refuses a work-order status change not listed in work_order_transitions (55000, HINT lists legal targets); stamps status_changed_at.';
COMMENT ON TRIGGER work_orders_status_guard ON public.work_orders IS 'State machine: illegal status transitions raise 55000; legal ones stamp status_changed_at.';
