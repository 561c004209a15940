-- Keeps escalations.updated_at current on every update (runbook queries read it).
CREATE OR REPLACE TRIGGER escalations_touch_updated_at
    BEFORE UPDATE ON public.escalations
    FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TRIGGER escalations_touch_updated_at ON public.escalations IS 'Keeps updated_at current unless the UPDATE set it.';
