-- Fires each tier crossing of today's ledger row once per budget day: hard-cap share ->
-- budget_warning escalation and alert, critical share -> budget_critical escalation and alert,
-- kill share -> the automatic emergency kill. The row passed in is the one just updated (and
-- locked) by the caller; when each crossing fired is recorded on it.
CREATE OR REPLACE FUNCTION private.budget_check_crossings(p_row public.budget_ledger)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_s private.budget_settings_t;
    v_pct numeric;
    v_context jsonb;
BEGIN
    IF p_row.budget_day <> private.budget_day(now()) THEN
        RETURN;  -- other days' rows fire nothing
    END IF;
    v_s := private.budget_settings();
    IF v_s.daily_limit <= 0 THEN
        RETURN;  -- a limit of 0 is an operator's manual stop: no percentages to cross
    END IF;
    v_pct := round(100 * p_row.spent / v_s.daily_limit, 2);
    v_context := jsonb_build_object('daily_total', p_row.spent, 'limit', v_s.daily_limit,
                                    'percentage', v_pct, 'budget_day', p_row.budget_day);

    IF 100 * p_row.spent >= v_s.hard_cap_pct * v_s.daily_limit AND p_row.warning_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET warning_at = now() WHERE l.budget_day = p_row.budget_day;
        PERFORM public.create_escalation(NULL, 'budget_warning',
                                         v_context || jsonb_build_object('threshold_pct', v_s.hard_cap_pct));
        PERFORM public.raise_alert('warning', 'budget.tier',
            format('Budget warning: %s%% of the daily limit spent', v_pct),
            format('Spend on %s is %s of %s USD (%s%%): the hard-cap tier now forces %s.',
                   p_row.budget_day, p_row.spent, v_s.daily_limit, v_pct, v_s.hard_cap_model),
            format('budget_warning:%s', p_row.budget_day),
            v_context || jsonb_build_object('tier', 'hard_cap'));
    END IF;

    IF 100 * p_row.spent >= v_s.critical_pct * v_s.daily_limit AND p_row.critical_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET critical_at = now() WHERE l.budget_day = p_row.budget_day;
        PERFORM public.create_escalation(NULL, 'budget_critical',
                                         v_context || jsonb_build_object('threshold_pct', v_s.critical_pct));
        PERFORM public.raise_alert('error', 'budget.tier',
            format('Budget critical: %s%% of the daily limit spent', v_pct),
            format('Spend on %s is %s of %s USD (%s%%): only %s is allowed; the kill switch fires at %s%%.',
                   p_row.budget_day, p_row.spent, v_s.daily_limit, v_pct, v_s.hard_cap_model, v_s.kill_pct),
            format('budget_critical:%s', p_row.budget_day),
            v_context || jsonb_build_object('tier', 'critical'));
    END IF;

    IF 100 * p_row.spent >= v_s.kill_pct * v_s.daily_limit AND p_row.kill_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET kill_at = now() WHERE l.budget_day = p_row.budget_day;
        PERFORM private.budget_kill(
            format('automatic: spend %s USD reached %s%% of the daily limit %s USD', p_row.spent, v_pct,
                   v_s.daily_limit),
            true);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_check_crossings(public.budget_ledger) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_check_crossings(public.budget_ledger) IS
    'On today''s ledger row, fire the budget_warning, budget_critical and automatic kill crossings once per budget day.';
