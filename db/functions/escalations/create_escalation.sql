-- Opens an escalation for a human, or returns the one already open for the same work order and
-- trigger type: callers (stuck detection, budget tiers, reporters) may fire repeatedly and must
-- not stack duplicates. Priority and SLA come from escalation_policies; a new escalation also
-- raises an alert so on-call hears about it. The recommendation (recommend_resolution) is
-- computed once at creation and stored on the row, so the dashboard shows what was advised when
-- the escalation opened and the decision log can say whether it was followed.
CREATE OR REPLACE FUNCTION public.create_escalation(
    p_work_order_id uuid, p_trigger_type text, p_context jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_policy public.escalation_policies%ROWTYPE;
    v_id uuid;
    v_title text;
    v_recommendation jsonb;
BEGIN
    PERFORM private.check_required('escalation context', p_context,
        'Pass e.g. ''{"reason": "..."}''::jsonb; use ''{}'' for no context.');
    PERFORM private.check_required('trigger type', p_trigger_type,
        'Pass one of the trigger types in escalation_policies, e.g. retry_exhausted.');
    PERFORM private.check_text('trigger type', p_trigger_type, 63, 'Pass one of the trigger types in escalation_policies, e.g. retry_exhausted.');
    SELECT * INTO v_policy FROM public.escalation_policies AS p WHERE p.trigger_type = p_trigger_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown escalation trigger type "%"', left(p_trigger_type, 100)
            USING ERRCODE = '22023',
                  HINT = 'Known types: ' || (SELECT string_agg(trigger_type, ', ' ORDER BY trigger_type)
                                              FROM public.escalation_policies) || '.';
    END IF;
    PERFORM private.check_json_object('escalation context', p_context, NULL,
        'Pass e.g. ''{"reason": "..."}''::jsonb; use ''{}'' for no context.');
    IF p_work_order_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = p_work_order_id) THEN
        RAISE EXCEPTION 'work order % does not exist', p_work_order_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id in work_orders; pass NULL for an escalation about the whole system.';
    END IF;

    INSERT INTO public.escalations (work_order_id, trigger_type, priority, sla_due_at, context)
    VALUES (p_work_order_id, p_trigger_type, v_policy.priority, now() + private.duration(v_policy.sla), p_context)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        -- Lost to an open escalation (maybe committed a moment ago by a concurrent caller).
        SELECT e.id INTO v_id
        FROM public.escalations AS e
        WHERE e.work_order_id IS NOT DISTINCT FROM p_work_order_id
          AND e.trigger_type = p_trigger_type
          AND e.status IN ('pending', 'acknowledged');
        RETURN v_id;
    END IF;

    v_recommendation := public.recommend_resolution(v_id);
    UPDATE public.escalations AS e SET recommendation = v_recommendation WHERE e.id = v_id;

    v_title := format('Escalation (%s priority): %s', v_policy.priority, p_trigger_type);
    PERFORM public.raise_alert(
        CASE v_policy.priority WHEN 'high' THEN 'error' WHEN 'medium' THEN 'warning' ELSE 'info' END,
        'escalation.opened',
        v_title,
        format('%s Work order: %s. Decide by %s. Recommended: %s (confidence %s).', v_policy.description,
               coalesce(p_work_order_id::text, 'none (system-wide)'),
               to_char(now() + private.duration(v_policy.sla), 'YYYY-MM-DD HH24:MI TZ'),
               coalesce(v_recommendation ->> 'option', 'none'), coalesce(v_recommendation ->> 'confidence', '0')),
        'escalation:' || v_id::text,
        jsonb_build_object('escalation_id', v_id, 'work_order_id', p_work_order_id,
                           'trigger_type', p_trigger_type, 'priority', v_policy.priority,
                           'sla_due_at', now() + private.duration(v_policy.sla),
                           'recommended_option', v_recommendation ->> 'option',
                           'confidence', v_recommendation -> 'confidence')
    );
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION public.create_escalation(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_escalation(uuid, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.create_escalation(uuid, text, jsonb) IS 'Open an escalation for a work order (NULL: system-wide) and trigger type, or return the one already open. Priority and SLA come from escalation_policies; a new escalation raises an alert. Returns the escalation id.';
