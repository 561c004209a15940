-- TRUNCATE fires no row trigger, so `TRUNCATE cost_tracking` would leave budget_ledger.spent
-- counting rows that no longer exist (or, read the other way, the day's spend would look
-- reset the moment someone re-inserts). It is refused with what to do instead, unless the
-- caller says the ledger is to keep the old totals as history
-- (`SET LOCAL moose.budget_keep_ledger = on`, as a retention purge does).
CREATE OR REPLACE FUNCTION private.cost_tracking_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('moose.budget_keep_ledger', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'TRUNCATE cost_tracking would leave budget_ledger counting spend whose rows are gone'
        USING ERRCODE = '55000',
              HINT = 'DELETE the rows instead (the ledger follows), or SET LOCAL moose.budget_keep_ledger = on first to keep the ledger''s totals as history.';
END
$$;

CREATE OR REPLACE TRIGGER cost_tracking_refuse_truncate
    BEFORE TRUNCATE ON public.cost_tracking
    FOR EACH STATEMENT EXECUTE FUNCTION private.cost_tracking_refuse_truncate();

REVOKE ALL ON FUNCTION private.cost_tracking_refuse_truncate() FROM PUBLIC;
COMMENT ON FUNCTION private.cost_tracking_refuse_truncate() IS 'Trigger function: refuses TRUNCATE of cost_tracking (55000) unless moose.budget_keep_ledger is on, because TRUNCATE bypasses the ledger''s row trigger.';
COMMENT ON TRIGGER cost_tracking_refuse_truncate ON public.cost_tracking IS 'Refuses TRUNCATE (it bypasses the ledger trigger) unless moose.budget_keep_ledger is on.';
