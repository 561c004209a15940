-- Keeps contracts.updated_at current on every update (runbook queries read it).
CREATE OR REPLACE TRIGGER contracts_touch_updated_at
    BEFORE UPDATE ON public.contracts
    FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TRIGGER contracts_touch_updated_at ON public.contracts IS 'Keeps updated_at current unless the UPDATE set it.';
