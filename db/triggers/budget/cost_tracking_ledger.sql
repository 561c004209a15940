-- Every cost_tracking row counts exactly once on the budget stripes it is booked on
-- (cost_tracking.budget_debits), whoever writes it (settle_reservation, a legacy writer, a
-- DBA): an insert books its cost on the global day budget of its day and every other budget
-- that applies (which also fires the tier crossings), unless settle_reservation already booked
-- it on its reservation's stripes (it names that reservation in the transaction-local setting
-- moose.budget_booked_reservation for the one INSERT); a corrected cost moves the difference,
-- a corrected created_at on another day moves the cost to that day's budgets, a delete
-- (runbook 4.2's duplicate clean-up) takes it off. budget_debits itself cannot be edited. A
-- retention purge of old raw rows that must keep the totals as history sets
-- `SET LOCAL moose.budget_keep_ledger = on` first (trigger cost_tracking_archive then moves the
-- purged amounts to the stripes' archived). A cost written or corrected into a closed period
-- locks that period's stripes too and, if it takes it past its limit, raises its alert and
-- escalation (private.budget_overspend_check). A BEFORE trigger, so the row records the
-- stripes it was booked on.
CREATE OR REPLACE FUNCTION private.cost_tracking_ledger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_day date;
    v_old jsonb;
    v_new jsonb;
    v_kill boolean := false;
    v_late boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.reservation_id IS NOT NULL
           AND NEW.reservation_id::text = current_setting('moose.budget_booked_reservation', true) THEN
            RETURN NEW;  -- settle_reservation booked this row on its reservation's stripes
        END IF;
        v_day := private.budget_day(NEW.created_at);
        NEW.budget_debits := private.budget_cost_refs(NEW.service_name, NEW.metadata ->> 'project',
                                                      NEW.work_order_id::text, v_day);
        v_kill := private.budget_kill_due(v_day, NEW.cost);
        v_late := v_day < private.budget_day(now());
        PERFORM private.budget_lock(NEW.budget_debits || CASE WHEN v_late THEN private.budget_closed_refs(NEW.budget_debits) ELSE '[]'::jsonb END,
                                    CASE WHEN v_kill THEN private.budget_kill_days() END);
        PERFORM private.budget_apply(NEW.budget_debits, NEW.cost, 0);
        PERFORM private.budget_check_crossings(v_day, v_kill);
        IF v_late THEN
            PERFORM private.budget_overspend_check(NEW.budget_debits, NEW.reservation_id, NEW.work_order_id, NEW.id);
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF current_setting('moose.budget_keep_ledger', true) IS DISTINCT FROM 'on' THEN
            v_old := coalesce(OLD.budget_debits,
                              jsonb_build_array(jsonb_build_array(1, '*', 'day', private.budget_day(OLD.created_at), 0)));
            PERFORM private.budget_lock(v_old);
            PERFORM private.budget_apply(v_old, -OLD.cost, 0);
        END IF;
        RETURN OLD;
    END IF;
    NEW.budget_debits := OLD.budget_debits;
    IF current_setting('moose.budget_keep_ledger', true) = 'on'
       OR (NEW.cost = OLD.cost AND NEW.created_at = OLD.created_at) THEN
        RETURN NEW;
    END IF;
    v_old := coalesce(OLD.budget_debits,
                      jsonb_build_array(jsonb_build_array(1, '*', 'day', private.budget_day(OLD.created_at), 0)));
    v_new := v_old;
    v_day := private.budget_day(NEW.created_at);
    IF v_day <> private.budget_day(OLD.created_at) THEN
        v_new := private.budget_cost_refs(NEW.service_name, NEW.metadata ->> 'project', NEW.work_order_id::text, v_day);
    END IF;
    v_late := private.budget_cost_day(v_new, NEW.created_at) < private.budget_day(now());
    PERFORM private.budget_lock(v_old || v_new || CASE WHEN v_late THEN private.budget_closed_refs(v_new) ELSE '[]'::jsonb END);
    PERFORM private.budget_apply(v_old, -OLD.cost, 0);
    PERFORM private.budget_apply(v_new, NEW.cost, 0);
    NEW.budget_debits := v_new;
    IF NEW.cost > OLD.cost OR v_new <> v_old THEN
        PERFORM private.budget_check_crossings(v_day, false);
        IF v_late THEN
            PERFORM private.budget_overspend_check(v_new, NEW.reservation_id, NEW.work_order_id, NEW.id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER cost_tracking_ledger
    BEFORE INSERT OR DELETE OR UPDATE OF cost, created_at, budget_debits ON public.cost_tracking
    FOR EACH ROW EXECUTE FUNCTION private.cost_tracking_ledger();

REVOKE ALL ON FUNCTION private.cost_tracking_ledger() FROM PUBLIC;
COMMENT ON FUNCTION private.cost_tracking_ledger() IS 'Trigger function: books every cost_tracking row on its budget stripes (budget_debits) on insert, moves corrections of cost/created_at, takes deletes off (delete/update skipped when moose.budget_keep_ledger = on).';
COMMENT ON TRIGGER cost_tracking_ledger ON public.cost_tracking IS 'Keeps the budget stripes'' spent equal to the cost rows booked on them however rows are written, corrected or deleted.';
