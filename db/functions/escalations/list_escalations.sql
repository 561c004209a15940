-- The operator's escalation list (`moose escalations list`, `moose status`): open ones first
-- (pending, acknowledged: the same filter as the open_escalations view), most urgent SLA first,
-- then, with p_include_closed, the resolved and dismissed ones. seconds_left is the SLA time
-- left (negative: breached) for open ones and NULL for closed ones, so a client only draws it.
-- Reads under the caller's row level security, like the view.
CREATE OR REPLACE FUNCTION public.list_escalations(p_include_closed boolean DEFAULT false,
                                                   p_limit integer DEFAULT 200)
RETURNS TABLE (id uuid, priority text, trigger_type text, status text, work_order_id uuid,
               sla_due_at timestamptz, is_open boolean, sla_breached boolean, seconds_left integer)
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_include_closed IS NULL THEN
        RAISE EXCEPTION 'include_closed is required'
            USING ERRCODE = '22004', HINT = 'Pass true to list decided escalations too, or omit it for open ones only.';
    END IF;
    IF p_limit IS NULL THEN
        RAISE EXCEPTION 'limit is required' USING ERRCODE = '22004', HINT = 'Omit it for the first 200.';
    END IF;
    IF p_limit NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'limit must be between 1 and 10000, got %', p_limit
            USING ERRCODE = '22023', HINT = 'Omit it for the first 200.';
    END IF;
    RETURN QUERY
    SELECT e.id, e.priority, e.trigger_type, e.status, e.work_order_id, e.sla_due_at, o.is_open,
           o.is_open AND e.sla_due_at < now(),
           CASE WHEN o.is_open THEN floor(extract(epoch FROM e.sla_due_at - now()))::integer END
    FROM public.escalations AS e
    CROSS JOIN LATERAL (SELECT e.status IN ('pending', 'acknowledged') AS is_open) AS o
    WHERE o.is_open OR p_include_closed
    ORDER BY o.is_open DESC, e.sla_due_at, e.created_at
    LIMIT p_limit;
END
$$;

REVOKE ALL ON FUNCTION public.list_escalations(boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_escalations(boolean, integer) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.list_escalations(boolean, integer) IS 'Escalations for an operator''s list: open ones (pending, acknowledged) first by SLA, then with p_include_closed the decided ones; seconds_left is the SLA time left (negative = breached, NULL when closed). p_limit 1..10000 (default 200).';
