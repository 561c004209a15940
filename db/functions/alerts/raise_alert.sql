-- Writes an alert to the durable outbox, once per dedupe key within the configured window: a
-- rule that fires every five minutes about the same condition becomes one alert with a count.
-- NOTIFY wakes the runner's delivery loop at commit; polling covers a missed notification.
CREATE OR REPLACE FUNCTION public.raise_alert(
    p_severity text,
    p_kind text,
    p_title text,
    p_body text,
    p_dedupe_key text,
    p_context jsonb DEFAULT '{}'::jsonb
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    -- NULL arguments first (22004), then values (22023): one error contract for every function.
    IF p_severity IS NULL OR p_kind IS NULL OR p_title IS NULL OR p_dedupe_key IS NULL OR p_context IS NULL THEN
        RAISE EXCEPTION 'alert % must not be NULL',
                CASE WHEN p_severity IS NULL THEN 'severity' WHEN p_kind IS NULL THEN 'kind'
                     WHEN p_title IS NULL THEN 'title' WHEN p_dedupe_key IS NULL THEN 'dedupe key' ELSE 'context' END
            USING ERRCODE = '22004',
                  HINT = 'E.g. raise_alert(''warning'', ''budget.tier'', ''Budget at 80%'', ''body'', ''budget_warning:2026-11-26'', ''{}''); the body alone may be NULL.';
    END IF;
    IF p_severity NOT IN ('info', 'warning', 'error', 'critical') THEN
        RAISE EXCEPTION 'alert severity must be info, warning, error or critical, got %', quote_literal(left(p_severity, 50))
            USING ERRCODE = '22023', HINT = 'Use one of: info, warning, error, critical.';
    END IF;
    IF p_kind !~ '^[a-z][a-z0-9_.]{0,62}$' THEN
        RAISE EXCEPTION 'alert kind must be a lowercase dotted name, got %', quote_literal(left(p_kind, 80))
            USING ERRCODE = '22023', HINT = 'E.g. budget.tier, work_order.stuck, escalation.opened.';
    END IF;
    PERFORM private.check_text('alert title', p_title, 300, 'Put details in the body (up to 10000 characters).');
    IF length(p_body) > 10000 THEN
        RAISE EXCEPTION 'alert body must be at most 10000 characters, got %', length(p_body)
            USING ERRCODE = '22023', HINT = 'Shorten the body; attach large details in context.';
    END IF;
    PERFORM private.check_text('alert dedupe key', p_dedupe_key, 500,
                               'Name the condition and its period, e.g. budget_warning:2026-11-26.');
    PERFORM private.check_json_object('alert context', p_context, NULL, 'Pass ''{}''::jsonb for no context.');

    -- Serialise raisers of one key so two concurrent callers cannot both insert.
    PERFORM pg_advisory_xact_lock(hashtextextended('moose.alert:' || p_dedupe_key, 0));

    UPDATE public.alerts AS a
    SET occurrences = a.occurrences + 1,
        last_raised_at = now()
    WHERE a.id = (SELECT a2.id FROM public.alerts AS a2
                  WHERE a2.dedupe_key = p_dedupe_key
                    AND a2.created_at > now() - private.config_interval('alert_dedupe_window')
                  ORDER BY a2.created_at DESC
                  LIMIT 1)
    RETURNING a.id INTO v_id;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;

    INSERT INTO public.alerts (severity, kind, title, body, dedupe_key, context)
    VALUES (p_severity, p_kind, p_title, coalesce(p_body, ''), p_dedupe_key, p_context)
    RETURNING id INTO v_id;
    PERFORM pg_notify('moose_alerts', v_id::text);
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION public.raise_alert(text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.raise_alert(text, text, text, text, text, jsonb) TO service_role, moose_runner;

COMMENT ON FUNCTION public.raise_alert(text, text, text, text, text, jsonb) IS 'Write an alert to the durable outbox (table alerts). The same dedupe key within system_config.alert_dedupe_window counts as one alert (occurrences+1). Severity: info, warning, error, critical. Returns the alert id; NOTIFY moose_alerts wakes delivery.';
