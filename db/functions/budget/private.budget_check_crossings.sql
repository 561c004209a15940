-- Fires each tier crossing of the global day budget once per budget day: hard-cap share ->
-- budget_warning escalation and alert, critical share -> budget_critical escalation and alert,
-- kill share -> the automatic emergency kill. Reads the day's total over its stripes (the
-- caller's own bookings included); when each crossing fired is kept in budget_day_marks,
-- whose row is locked (after the stripes, as the lock order says) only when a crossing is due.
-- The kill fires only when p_may_kill: the caller holds the kill's lock set (every global day
-- stripe, private.budget_lock with kill days), taken before its own stripes. A caller without
-- it leaves a due kill to the next settle, cost row, reservation or expiry sweep.
CREATE OR REPLACE FUNCTION private.budget_check_crossings(p_day date, p_may_kill boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_s private.budget_settings_t;
    v_spent numeric;
    v_pct numeric;
    v_context jsonb;
    v_marks public.budget_day_marks%ROWTYPE;
    v_tier record;
BEGIN
    IF p_day <> private.budget_day(now()) THEN
        RETURN;  -- other days' spend fires nothing
    END IF;
    v_s := private.budget_settings();
    IF v_s.daily_limit <= 0 THEN
        RETURN;  -- a limit of 0 is an operator's manual stop: no percentages to cross
    END IF;
    SELECT coalesce(sum(s.spent), 0) INTO v_spent FROM public.budget_stripes AS s
    WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start = p_day;
    IF 100 * v_spent < v_s.hard_cap_pct * v_s.daily_limit
       AND 100 * v_spent < v_s.critical_pct * v_s.daily_limit
       AND 100 * v_spent < v_s.kill_pct * v_s.daily_limit THEN
        RETURN;
    END IF;
    SELECT * INTO v_marks FROM public.budget_day_marks AS m WHERE m.budget_day = p_day;
    IF (v_marks.warning_at IS NOT NULL OR 100 * v_spent < v_s.hard_cap_pct * v_s.daily_limit)
       AND (v_marks.critical_at IS NOT NULL OR 100 * v_spent < v_s.critical_pct * v_s.daily_limit)
       AND (v_marks.kill_at IS NOT NULL OR 100 * v_spent < v_s.kill_pct * v_s.daily_limit OR NOT p_may_kill) THEN
        RETURN;  -- nothing due: no lock taken
    END IF;
    INSERT INTO public.budget_day_marks (budget_day) VALUES (p_day) ON CONFLICT DO NOTHING;
    SELECT * INTO v_marks FROM public.budget_day_marks AS m WHERE m.budget_day = p_day FOR UPDATE;
    v_pct := round(100 * v_spent / v_s.daily_limit, 2);
    v_context := jsonb_build_object('daily_total', v_spent, 'limit', v_s.daily_limit,
                                    'percentage', v_pct, 'budget_day', p_day);

    -- The two announced tiers, in order: each one due opens its escalation and raises its alert.
    FOR v_tier IN
        SELECT t.* FROM (VALUES
            (1, 'budget_warning', 'warning', 'hard_cap', v_s.hard_cap_pct, v_marks.warning_at,
             format('the hard-cap tier now forces %s.', v_s.hard_cap_model)),
            (2, 'budget_critical', 'error', 'critical', v_s.critical_pct, v_marks.critical_at,
             format('only %s is allowed; the kill switch fires at %s%%.', v_s.hard_cap_model, v_s.kill_pct))
        ) AS t(rank, trigger_type, severity, tier, threshold_pct, marked_at, consequence)
        WHERE t.marked_at IS NULL AND 100 * v_spent >= t.threshold_pct * v_s.daily_limit
        ORDER BY t.rank
    LOOP
        UPDATE public.budget_day_marks AS m
        SET warning_at = CASE WHEN v_tier.tier = 'hard_cap' THEN now() ELSE m.warning_at END,
            critical_at = CASE WHEN v_tier.tier = 'critical' THEN now() ELSE m.critical_at END
        WHERE m.budget_day = p_day;
        PERFORM public.create_escalation(NULL, v_tier.trigger_type,
                                         v_context || jsonb_build_object('threshold_pct', v_tier.threshold_pct));
        PERFORM public.raise_alert(v_tier.severity, 'budget.tier',
            format('Budget %s: %s%% of the daily limit spent', split_part(v_tier.trigger_type, '_', 2), v_pct),
            format('Spend on %s is %s of %s USD (%s%%): %s', p_day, v_spent, v_s.daily_limit, v_pct, v_tier.consequence),
            format('%s:%s', v_tier.trigger_type, p_day),
            v_context || jsonb_build_object('tier', v_tier.tier));
    END LOOP;

    IF p_may_kill AND 100 * v_spent >= v_s.kill_pct * v_s.daily_limit AND v_marks.kill_at IS NULL THEN
        UPDATE public.budget_day_marks AS m SET kill_at = now() WHERE m.budget_day = p_day;
        PERFORM private.budget_kill(
            format('automatic: spend %s USD reached %s%% of the daily limit %s USD', v_spent, v_pct,
                   v_s.daily_limit),
            true);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_check_crossings(date, boolean) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_check_crossings(date, boolean) IS 'Fire the global day budget''s budget_warning, budget_critical and (when the caller holds the kill''s lock set) automatic kill crossings, once per budget day.';
