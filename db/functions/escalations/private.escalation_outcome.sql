-- How a past decision turned out, for the recommendation's history term:
--   split into new work orders: succeeded when every part completed, failed when one failed or
--     was cancelled, else pending;
--   options that end the work order by design (abort/redesign, revert, cancel): unknown, since a
--     cancelled work order says nothing about whether the decision was right;
--   system-wide escalations (no work order): failed when an escalation of the same type opened
--     within recommendation_outcome_window after the decision, succeeded once the window passed
--     without one, else pending;
--   otherwise the work order's status now: completed = succeeded, failed/cancelled = failed,
--     anything else = pending. Only succeeded and failed count as evidence.
CREATE OR REPLACE FUNCTION private.escalation_outcome(p_escalation_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_action text;
    v_status text;
    v_parts uuid[];
    v_window interval;
BEGIN
    SELECT * INTO v_e FROM public.escalations AS e WHERE e.id = p_escalation_id;
    IF NOT FOUND OR v_e.status <> 'resolved' THEN
        RETURN 'unknown';
    END IF;
    v_action := v_e.decision_effect ->> 'action';
    IF v_action IN ('redecompose', 'revert', 'cancel') THEN
        RETURN 'unknown';
    END IF;
    IF v_action = 'split' THEN
        SELECT array_agg(x::uuid) INTO v_parts
        FROM jsonb_array_elements_text(v_e.decision_effect -> 'created_work_orders') AS x;
        IF EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = ANY (v_parts) AND w.status IN ('failed', 'cancelled')) THEN
            RETURN 'failed';
        ELSIF (SELECT count(*) FROM public.work_orders AS w WHERE w.id = ANY (v_parts) AND w.status = 'completed')
              = coalesce(cardinality(v_parts), 0) AND cardinality(v_parts) > 0 THEN
            RETURN 'succeeded';
        END IF;
        RETURN 'pending';
    END IF;
    IF v_e.work_order_id IS NULL THEN
        IF v_e.trigger_type NOT LIKE 'budget%' THEN
            RETURN 'unknown';  -- the work order was deleted
        END IF;
        v_window := private.config_interval('recommendation_outcome_window');
        IF EXISTS (SELECT 1 FROM public.escalations AS n
                   WHERE n.trigger_type = v_e.trigger_type AND n.work_order_id IS NULL AND n.id <> v_e.id
                     AND n.created_at > v_e.resolved_at AND n.created_at <= v_e.resolved_at + v_window) THEN
            RETURN 'failed';
        ELSIF now() > v_e.resolved_at + v_window THEN
            RETURN 'succeeded';
        END IF;
        RETURN 'pending';
    END IF;
    SELECT w.status INTO v_status FROM public.work_orders AS w WHERE w.id = v_e.work_order_id;
    RETURN CASE WHEN v_status = 'completed' THEN 'succeeded'
                WHEN v_status IN ('failed', 'cancelled') THEN 'failed'
                ELSE 'pending' END;
END
$$;

REVOKE ALL ON FUNCTION private.escalation_outcome(uuid) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_outcome(uuid) IS 'How a resolved escalation turned out: succeeded, failed, pending or unknown (see the file header for the rule).';
