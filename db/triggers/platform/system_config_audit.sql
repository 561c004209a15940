-- Every config change lands in audit_log with its actor, old and new value: the runbook's kill
-- recipe edits system_config by hand, and someone must be able to see who did.
-- SECURITY DEFINER (search_path pinned) because it calls private.current_actor() and schema
-- private is closed to the API roles whose direct UPDATEs it audits.
CREATE OR REPLACE FUNCTION private.system_config_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'config.' || lower(TG_OP), coalesce(NEW.key, OLD.key),
            jsonb_build_object('old', CASE WHEN TG_OP <> 'INSERT' THEN OLD.value END,
                               'new', CASE WHEN TG_OP <> 'DELETE' THEN NEW.value END));
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER system_config_audit
    AFTER INSERT OR UPDATE OR DELETE ON public.system_config
    FOR EACH ROW EXECUTE FUNCTION private.system_config_audit();

REVOKE ALL ON FUNCTION private.system_config_audit() FROM PUBLIC;
COMMENT ON FUNCTION private.system_config_audit() IS 'Trigger function: writes an audit_log row (actor, old and new value) for every system_config change.';
COMMENT ON TRIGGER system_config_audit ON public.system_config IS 'Writes an audit_log row for every config change.';
