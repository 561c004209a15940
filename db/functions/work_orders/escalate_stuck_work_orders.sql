-- Replaces the runbook's stuck_work_order_alert trigger, which can never fire: a trigger runs
-- when a row is written, and a stuck work order is one nobody writes. Run on a schedule, it opens
-- one stuck_work_order escalation and one alert per stuck episode: an episode is (work order,
-- updated_at at the stall), recorded in work_order_stuck_episodes, so running again opens
-- nothing new and a work order that moves and stalls again is a new episode. Returns the number
-- of episodes opened.
CREATE OR REPLACE FUNCTION public.escalate_stuck_work_orders() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_row record;
    v_episode bigint;
    v_escalation uuid;
    v_hours numeric;
    v_count integer := 0;
BEGIN
    FOR v_row IN
        SELECT s.* FROM public.find_stuck_work_orders() AS s
        WHERE NOT EXISTS (SELECT 1 FROM public.work_order_stuck_episodes AS e
                          WHERE e.work_order_id = s.work_order_id AND e.since = s.updated_at)
        ORDER BY s.updated_at, s.work_order_id  -- one order for every detector: no deadlock between them
    LOOP
        INSERT INTO public.work_order_stuck_episodes (work_order_id, status, since, stuck_for)
        VALUES (v_row.work_order_id, v_row.status, v_row.updated_at, v_row.stuck_for)
        ON CONFLICT (work_order_id, since) DO NOTHING
        RETURNING id INTO v_episode;
        CONTINUE WHEN v_episode IS NULL;  -- a concurrent detector took this episode

        v_hours := round(extract(epoch FROM v_row.stuck_for) / 3600, 2);
        v_escalation := public.create_escalation(v_row.work_order_id, 'stuck_work_order', jsonb_build_object(
            'reason', format('%s for %s hours (threshold %s)', v_row.status, v_hours, v_row.threshold),
            'status', v_row.status, 'since', v_row.updated_at, 'hours_stuck', v_hours,
            'threshold', v_row.threshold, 'episode_id', v_episode));
        UPDATE public.work_order_stuck_episodes AS e SET escalation_id = v_escalation WHERE e.id = v_episode;
        PERFORM public.raise_alert('warning', 'work_order.stuck',
            format('Work order stuck in %s for %s h', v_row.status, v_hours),
            format('Work order %s (%s) has not moved since %s. Escalation %s.',
                   v_row.work_order_id, left(v_row.title, 200), v_row.updated_at, v_escalation),
            format('stuck:%s:%s', v_row.work_order_id, v_episode),
            jsonb_build_object('work_order_id', v_row.work_order_id, 'episode_id', v_episode,
                               'escalation_id', v_escalation, 'status', v_row.status, 'hours_stuck', v_hours));
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION public.escalate_stuck_work_orders() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.escalate_stuck_work_orders() TO service_role, moose_runner;

COMMENT ON FUNCTION public.escalate_stuck_work_orders() IS 'Scheduled stuck detection (replaces the runbook''s stuck_work_order_alert trigger): one stuck_work_order escalation and alert per stuck episode. Returns how many episodes it opened.';
