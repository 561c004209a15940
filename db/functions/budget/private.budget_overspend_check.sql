-- After a late cost is booked (settle_reservation of a reservation whose period has closed, or
-- a cost row written or corrected into a closed period): for each closed day or month period
-- among p_refs whose settled spend now exceeds its limit (the sum of its stripes' allowances),
-- record it in budget_overspend_marks and, the first time for that budget and period, raise one
-- budget.overspent alert naming the budget, the period, the limit, the spend and the
-- reservation, and open one budget_overspent escalation for review (the cost's work order's,
-- else system-wide; one escalation for all periods this cost overspent). The caller holds every
-- stripe of those periods (private.budget_closed_refs), so the totals are exact. Nothing about
-- today is touched: the tier crossings and the automatic kill stay on today's global day.
-- Returns the escalation id, or NULL when nothing new was overspent.
CREATE OR REPLACE FUNCTION private.budget_overspend_check(
    p_refs jsonb, p_reservation_id uuid, p_work_order uuid, p_cost_id bigint
) RETURNS uuid
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_p record;
    v_new jsonb := '[]'::jsonb;
    v_item jsonb;
    v_escalation uuid;
    v_alert bigint;
BEGIN
    FOR v_p IN
        SELECT s.scope_rank, min(s.scope) AS scope, s.key, s.period, s.period_start,
               sum(s.allowance) AS budget_limit, sum(s.spent) AS spent, sum(s.reserved) AS reserved
        FROM (SELECT DISTINCT (r.ref ->> 0)::smallint AS scope_rank, r.ref ->> 1 AS key, r.ref ->> 2 AS period,
                              (r.ref ->> 3)::date AS period_start
              FROM jsonb_array_elements(coalesce(p_refs, '[]'::jsonb)) AS r(ref)
              WHERE r.ref ->> 2 IN ('day', 'month')) AS p
        JOIN public.budget_stripes AS s
          ON s.scope_rank = p.scope_rank AND s.key = p.key AND s.period = p.period AND s.period_start = p.period_start
        WHERE p.period_start < private.budget_period_start(p.period, private.budget_day(now()))
        GROUP BY s.scope_rank, s.key, s.period, s.period_start
        HAVING sum(s.spent) > sum(s.allowance)
        ORDER BY s.scope_rank, s.key, s.period, s.period_start
    LOOP
        INSERT INTO public.budget_overspend_marks (scope_rank, scope, key, period, period_start, budget_limit, spent,
                                                   reservation_id, cost_id)
        VALUES (v_p.scope_rank, v_p.scope, v_p.key, v_p.period, v_p.period_start, v_p.budget_limit, v_p.spent,
                p_reservation_id, p_cost_id)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            v_new := v_new || jsonb_build_array(jsonb_build_object(
                'scope', v_p.scope, 'key', v_p.key, 'period', v_p.period, 'periodStart', v_p.period_start,
                'periodEnd', private.budget_period_end(v_p.period, v_p.period_start),
                'limit', v_p.budget_limit, 'spent', v_p.spent, 'reserved', v_p.reserved,
                'percentage', CASE WHEN v_p.budget_limit > 0 THEN round(100 * v_p.spent / v_p.budget_limit, 2) END));
        END IF;
    END LOOP;
    IF jsonb_array_length(v_new) = 0 THEN
        RETURN NULL;
    END IF;

    v_escalation := public.create_escalation(p_work_order, 'budget_overspent',
        (v_new -> 0) || jsonb_build_object('budgets', v_new, 'reservation_id', p_reservation_id,
                                           'cost_tracking_id', p_cost_id));
    FOR v_item IN SELECT e.value FROM jsonb_array_elements(v_new) AS e LOOP
        v_alert := public.raise_alert('error', 'budget.overspent',
            format('Budget overspent after it closed: %s %s, %s of %s', v_item ->> 'scope', v_item ->> 'key',
                   v_item ->> 'period', v_item ->> 'periodStart'),
            format('The %s budget %s for the %s of %s closed with a limit of %s USD; a cost booked on it after it '
                   'closed (reservation %s, cost row %s) brought its spend to %s USD (%s%%). Escalation %s.',
                   v_item ->> 'scope', v_item ->> 'key', v_item ->> 'period', v_item ->> 'periodStart',
                   v_item ->> 'limit', coalesce(p_reservation_id::text, 'none: a direct cost row'), p_cost_id,
                   v_item ->> 'spent', coalesce(v_item ->> 'percentage', 'n/a'), v_escalation),
            format('budget_overspent:%s:%s:%s:%s', v_item ->> 'scope', v_item ->> 'key', v_item ->> 'period',
                   v_item ->> 'periodStart'),
            v_item || jsonb_build_object('reservation_id', p_reservation_id, 'cost_tracking_id', p_cost_id,
                                         'escalation_id', v_escalation));
        UPDATE public.budget_overspend_marks AS m
        SET escalation_id = v_escalation, alert_id = v_alert
        WHERE m.key = v_item ->> 'key' AND m.period = v_item ->> 'period'
          AND m.period_start = (v_item ->> 'periodStart')::date
          AND m.scope = v_item ->> 'scope';
    END LOOP;
    RETURN v_escalation;
END
$$;

REVOKE ALL ON FUNCTION private.budget_overspend_check(jsonb, uuid, uuid, bigint) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_overspend_check(jsonb, uuid, uuid, bigint) IS 'After a late cost: each closed day/month period among the refs whose spend passed its limit raises one budget.overspent alert and (with the others) one budget_overspent escalation, once per budget and period (budget_overspend_marks). Caller holds those periods'' stripes.';
