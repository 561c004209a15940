-- Shared BEFORE UPDATE trigger body: stamps updated_at = now() unless the statement set
-- updated_at itself (a DBA backdating a row, or a test simulating time, must win).
CREATE OR REPLACE FUNCTION private.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION private.touch_updated_at() FROM PUBLIC;

COMMENT ON FUNCTION private.touch_updated_at() IS 'Trigger function: keep updated_at current on UPDATE unless the statement set it explicitly.';
