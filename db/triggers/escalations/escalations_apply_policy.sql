-- Fills priority and SLA deadline from escalation_policies when an INSERT leaves them out, so
-- the runbook's hand-written `INSERT INTO escalations (work_order_id, trigger_type, context,
-- status)` still works and cannot disagree with the policy table.
CREATE OR REPLACE FUNCTION private.escalations_apply_policy() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_policy public.escalation_policies%ROWTYPE;
BEGIN
    IF NEW.priority IS NULL OR NEW.sla_due_at IS NULL THEN
        SELECT * INTO v_policy FROM public.escalation_policies AS p WHERE p.trigger_type = NEW.trigger_type;
        IF NOT FOUND AND NEW.trigger_type IS NOT NULL THEN
            -- Say so here: otherwise the NOT NULL on priority fires before the foreign key and
            -- the error blames a column the caller never mentioned.
            RAISE EXCEPTION 'unknown escalation trigger type %', coalesce(quote_literal(left(NEW.trigger_type, 100)), 'NULL')
                USING ERRCODE = '23503',
                      HINT = 'Known types: ' || (SELECT string_agg(p.trigger_type, ', ' ORDER BY p.trigger_type)
                                                  FROM public.escalation_policies AS p) || '.';
        END IF;
        NEW.priority := coalesce(NEW.priority, v_policy.priority);
        -- The SLA as a fixed length (private.duration's rule, written out: this trigger runs as
        -- the inserting role, which has no access to schema private), so the deadline is the
        -- same instant in every session TimeZone.
        NEW.sla_due_at := coalesce(NEW.sla_due_at, NEW.created_at + extract(epoch FROM v_policy.sla) * interval '1 second');
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER escalations_apply_policy
    BEFORE INSERT ON public.escalations
    FOR EACH ROW EXECUTE FUNCTION private.escalations_apply_policy();

REVOKE ALL ON FUNCTION private.escalations_apply_policy() FROM PUBLIC;
COMMENT ON FUNCTION private.escalations_apply_policy() IS 'Trigger function: fills escalations.priority and sla_due_at from escalation_policies when an INSERT omits them.';
COMMENT ON TRIGGER escalations_apply_policy ON public.escalations IS 'Fills priority and sla_due_at from escalation_policies when the INSERT omits them.';
