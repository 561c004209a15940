-- Keeps work_orders.updated_at current on every update (runbook queries read it).
CREATE OR REPLACE TRIGGER work_orders_touch_updated_at
    BEFORE UPDATE ON public.work_orders
    FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TRIGGER work_orders_touch_updated_at ON public.work_orders IS 'Keeps updated_at current unless the UPDATE set it.';
