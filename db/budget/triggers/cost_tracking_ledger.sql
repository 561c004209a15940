-- Every cost_tracking row counts toward its budget day exactly once, whoever writes it
-- (settle_reservation, a legacy writer, a DBA): an insert adds its cost to the day's ledger
-- row (which also fires the tier crossings) unless settle_reservation already booked it in the
-- same UPDATE that freed its reservation (it names that reservation in the transaction-local
-- setting moose.budget_booked_reservation for the one INSERT), a corrected cost or timestamp moves the
-- difference, a delete (runbook 4.2's duplicate clean-up) takes it off. A retention purge of old
-- raw rows that must keep the ledger as the day's history sets
-- `SET LOCAL moose.budget_keep_ledger = on` first.
CREATE OR REPLACE FUNCTION private.cost_tracking_ledger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old_day date;
    v_new_day date;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.reservation_id IS NOT NULL
           AND NEW.reservation_id::text = current_setting('moose.budget_booked_reservation', true) THEN
            RETURN NULL;  -- settle_reservation booked this row in its own ledger UPDATE
        END IF;
        PERFORM private.budget_apply_spend(private.budget_day(NEW.created_at), NEW.cost);
        RETURN NULL;
    END IF;
    IF current_setting('moose.budget_keep_ledger', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM private.budget_apply_spend(private.budget_day(OLD.created_at), -OLD.cost);
        RETURN NULL;
    END IF;
    v_old_day := private.budget_day(OLD.created_at);
    v_new_day := private.budget_day(NEW.created_at);
    IF v_old_day = v_new_day THEN
        PERFORM private.budget_apply_spend(v_new_day, NEW.cost - OLD.cost);
    ELSIF v_old_day < v_new_day THEN  -- ascending day order, as everywhere
        PERFORM private.budget_apply_spend(v_old_day, -OLD.cost);
        PERFORM private.budget_apply_spend(v_new_day, NEW.cost);
    ELSE
        PERFORM private.budget_apply_spend(v_new_day, NEW.cost);
        PERFORM private.budget_apply_spend(v_old_day, -OLD.cost);
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION private.cost_tracking_ledger() FROM PUBLIC;
COMMENT ON FUNCTION private.cost_tracking_ledger() IS
    'Trigger function: keeps budget_ledger.spent = SUM(cost_tracking.cost) per budget day on insert, update of cost/created_at and delete (delete/update skipped when moose.budget_keep_ledger = on).';

CREATE OR REPLACE TRIGGER cost_tracking_ledger
    AFTER INSERT OR DELETE OR UPDATE OF cost, created_at ON public.cost_tracking
    FOR EACH ROW
    EXECUTE FUNCTION private.cost_tracking_ledger();

COMMENT ON TRIGGER cost_tracking_ledger ON public.cost_tracking IS
    'Keeps budget_ledger.spent equal to SUM(cost_tracking.cost) per budget day however rows are written, corrected or deleted.';
