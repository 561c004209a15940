-- Keeps orchestrator_state.updated_at current on every update.
CREATE OR REPLACE TRIGGER orchestrator_state_touch_updated_at
    BEFORE UPDATE ON public.orchestrator_state
    FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TRIGGER orchestrator_state_touch_updated_at ON public.orchestrator_state IS 'Keeps updated_at current unless the UPDATE set it.';
