-- Adds settled spend (or a correction) to a budget day's ledger row and, for today's row,
-- fires each tier crossing once per budget day: hard-cap share -> budget_warning escalation
-- and alert, critical share -> budget_critical escalation and alert, kill share -> the
-- automatic emergency kill. Called only by the cost_tracking triggers, so every cost row
-- counts exactly once whoever writes it.
CREATE OR REPLACE FUNCTION private.budget_apply_spend(p_day date, p_delta numeric)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row public.budget_ledger%ROWTYPE;
    v_s private.budget_settings_t;
    v_pct numeric;
    v_context jsonb;
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

    IF p_delta < 0 OR p_day <> private.budget_day(now()) THEN
        RETURN;  -- corrections and other days' rows fire nothing
    END IF;
    v_s := private.budget_settings();
    IF v_s.daily_limit <= 0 THEN
        RETURN;  -- a limit of 0 is an operator's manual stop: no percentages to cross
    END IF;
    v_pct := round(100 * v_row.spent / v_s.daily_limit, 2);
    v_context := jsonb_build_object('daily_total', v_row.spent, 'limit', v_s.daily_limit,
                                    'percentage', v_pct, 'budget_day', p_day);

    IF 100 * v_row.spent >= v_s.hard_cap_pct * v_s.daily_limit AND v_row.warning_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET warning_at = now() WHERE l.budget_day = p_day;
        PERFORM public.create_escalation(NULL, 'budget_warning',
                                         v_context || jsonb_build_object('threshold_pct', v_s.hard_cap_pct));
        PERFORM public.raise_alert('warning', 'budget.tier',
            format('Budget warning: %s%% of the daily limit spent', v_pct),
            format('Spend on %s is %s of %s USD (%s%%): the hard-cap tier now forces %s.',
                   p_day, v_row.spent, v_s.daily_limit, v_pct, v_s.hard_cap_model),
            format('budget_warning:%s', p_day),
            v_context || jsonb_build_object('tier', 'hard_cap'));
    END IF;

    IF 100 * v_row.spent >= v_s.critical_pct * v_s.daily_limit AND v_row.critical_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET critical_at = now() WHERE l.budget_day = p_day;
        PERFORM public.create_escalation(NULL, 'budget_critical',
                                         v_context || jsonb_build_object('threshold_pct', v_s.critical_pct));
        PERFORM public.raise_alert('error', 'budget.tier',
            format('Budget critical: %s%% of the daily limit spent', v_pct),
            format('Spend on %s is %s of %s USD (%s%%): only %s is allowed; the kill switch fires at %s%%.',
                   p_day, v_row.spent, v_s.daily_limit, v_pct, v_s.hard_cap_model, v_s.kill_pct),
            format('budget_critical:%s', p_day),
            v_context || jsonb_build_object('tier', 'critical'));
    END IF;

    IF 100 * v_row.spent >= v_s.kill_pct * v_s.daily_limit AND v_row.kill_at IS NULL THEN
        UPDATE public.budget_ledger AS l SET kill_at = now() WHERE l.budget_day = p_day;
        PERFORM private.budget_kill(
            format('automatic: spend %s USD reached %s%% of the daily limit %s USD', v_row.spent, v_pct,
                   v_s.daily_limit),
            true);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_apply_spend(date, numeric) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_apply_spend(date, numeric) IS
    'Add spend (or a correction) to a day''s ledger row; on today''s row fire the budget_warning, budget_critical and automatic kill crossings once per budget day.';
