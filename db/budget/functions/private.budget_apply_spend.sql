-- Adds settled spend (or a correction) to a budget day's ledger row and fires the tier
-- crossings (private.budget_check_crossings). Called by the cost_tracking trigger, so every
-- cost row counts exactly once whoever writes it (settle_reservation books its own row in the
-- same UPDATE that frees the reservation and tells the trigger so).
CREATE OR REPLACE FUNCTION private.budget_apply_spend(p_day date, p_delta numeric)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row public.budget_ledger%ROWTYPE;
BEGIN
    IF p_delta IS NULL OR p_delta = 0 THEN
        RETURN;
    END IF;
    UPDATE public.budget_ledger AS l SET spent = l.spent + p_delta
    WHERE l.budget_day = p_day
    RETURNING l.* INTO v_row;
    IF NOT FOUND THEN
        PERFORM private.budget_open_day(p_day);
        UPDATE public.budget_ledger AS l SET spent = l.spent + p_delta
        WHERE l.budget_day = p_day
        RETURNING l.* INTO v_row;
    END IF;

    IF p_delta > 0 THEN
        PERFORM private.budget_check_crossings(v_row);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_apply_spend(date, numeric) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_apply_spend(date, numeric) IS
    'Add spend (or a correction) to a day''s ledger row and fire the tier crossings (private.budget_check_crossings).';
