-- Fires the automatic kill when today's committed spend is at the kill share and no kill
-- fired today: the case where concurrent settles crossed the share together and neither saw
-- the other (docs/BUDGET.md, "The tier lag"). Not after a resume today: resuming without
-- raising the limit leaves reservations refused (emergency_tier), as the runbook expects,
-- until more spend is settled. The caller holds no stripe: this takes the kill's lock set.
CREATE OR REPLACE FUNCTION private.budget_fire_due_kill(p_day date) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT private.budget_kill_due(p_day, 0)
       OR EXISTS (SELECT 1 FROM public.budget_kill_switch AS ks
                  WHERE ks.id AND ks.resumed_at >= private.budget_day_start(p_day)) THEN
        RETURN;
    END IF;
    PERFORM private.budget_lock(NULL, private.budget_kill_days());
    PERFORM private.budget_check_crossings(p_day, true);
END
$$;

REVOKE ALL ON FUNCTION private.budget_fire_due_kill(date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_fire_due_kill(date) IS 'Fire an automatic kill that is due (spend at the kill share, none fired, no resume today) under the kill''s lock set.';
