-- The runner's one-line heartbeat: work orders by status, open escalations and today's spend.
-- Cheap enough to run every interval; system_health() gives the full picture.
CREATE OR REPLACE FUNCTION public.health_heartbeat() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_by_status jsonb;
    v_open integer;
    v_budget jsonb := public.budget_status();
BEGIN
    SELECT coalesce(jsonb_object_agg(s.status, s.n ORDER BY s.status), '{}'::jsonb) INTO v_by_status
    FROM (SELECT w.status, count(*) AS n FROM public.work_orders AS w GROUP BY w.status) AS s;

    SELECT count(*) INTO v_open
    FROM public.escalations AS e WHERE e.status IN ('pending', 'acknowledged');

    RETURN jsonb_build_object(
        'work_orders', v_by_status,
        'open_escalations', v_open,
        'spend_today', v_budget -> 'daily_total',
        'daily_limit', v_budget -> 'limit',
        'budget_day', v_budget -> 'budget_day'
    );
END
$$;

REVOKE ALL ON FUNCTION public.health_heartbeat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.health_heartbeat() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.health_heartbeat() IS 'Work orders by status, open escalations, spend in the current budget day and the daily limit: the runner''s heartbeat line.';
