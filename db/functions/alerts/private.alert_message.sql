-- The neutral content of one delivery, before any channel's formatting: for an alert its fields
-- and ids; for a throttle summary the alerts it holds back (most severe first, the first 50
-- listed in the body, every id in alert_ids). Every message carries delivery_id and alert_id
-- (alert_ids for a summary) so a receiver can drop a repeat (delivery is at least once).
CREATE OR REPLACE FUNCTION private.alert_message(p_delivery_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_delivery public.alert_deliveries%ROWTYPE;
    v_alert public.alerts%ROWTYPE;
    v_channel text;
    v_held jsonb;
    v_ids jsonb;
    v_count integer;
    v_by_severity jsonb;
    v_top text;
    v_lines text;
BEGIN
    SELECT * INTO v_delivery FROM public.alert_deliveries AS d WHERE d.id = p_delivery_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert delivery % does not exist', p_delivery_id
            USING ERRCODE = 'P0002', HINT = 'List deliveries with: SELECT * FROM alert_delivery_overview;';
    END IF;
    SELECT c.name INTO v_channel FROM public.alert_channels AS c WHERE c.id = v_delivery.channel_id;

    IF NOT v_delivery.is_summary THEN
        SELECT * INTO v_alert FROM public.alerts AS a WHERE a.id = v_delivery.alert_id;
        RETURN jsonb_build_object(
            'type', 'alert', 'source', 'moose', 'delivery_id', v_delivery.id, 'alert_id', v_alert.id,
            'channel', v_channel, 'severity', v_alert.severity, 'kind', v_alert.kind, 'title', v_alert.title,
            'body', v_alert.body, 'dedupe_key', v_alert.dedupe_key, 'context', v_alert.context,
            'occurrences', v_alert.occurrences, 'created_at', v_alert.created_at,
            'last_raised_at', v_alert.last_raised_at);
    END IF;

    SELECT count(*)::integer,
           coalesce(jsonb_agg(h.alert_id ORDER BY h.alert_id), '[]'::jsonb),
           (array_agg(h.severity ORDER BY private.alert_severity_rank(h.severity) DESC))[1]
    INTO v_count, v_ids, v_top
    FROM (SELECT a.id AS alert_id, a.severity
          FROM public.alert_deliveries AS d JOIN public.alerts AS a ON a.id = d.alert_id
          WHERE d.summary_id = v_delivery.id) AS h;
    SELECT coalesce(jsonb_object_agg(s.severity, s.n), '{}'::jsonb) INTO v_by_severity
    FROM (SELECT a.severity, count(*) AS n
          FROM public.alert_deliveries AS d JOIN public.alerts AS a ON a.id = d.alert_id
          WHERE d.summary_id = v_delivery.id GROUP BY a.severity) AS s;
    SELECT coalesce(jsonb_agg(jsonb_build_object('alert_id', h.id, 'severity', h.severity, 'kind', h.kind,
                                                 'title', h.title, 'created_at', h.created_at) ORDER BY h.ord), '[]'::jsonb),
           coalesce(string_agg(format('- [%s] #%s %s', h.severity, h.id, h.title), E'\n' ORDER BY h.ord), '')
    INTO v_held, v_lines
    FROM (SELECT a.id, a.severity, a.kind, a.title, a.created_at,
                 row_number() OVER (ORDER BY private.alert_severity_rank(a.severity) DESC, a.id) AS ord
          FROM public.alert_deliveries AS d JOIN public.alerts AS a ON a.id = d.alert_id
          WHERE d.summary_id = v_delivery.id
          ORDER BY private.alert_severity_rank(a.severity) DESC, a.id
          LIMIT 50) AS h;
    IF v_count > 50 THEN
        v_lines := v_lines || format(E'\n... and %s more (alert_ids lists them all)', v_count - 50);
    END IF;

    RETURN jsonb_build_object(
        'type', 'alert_summary', 'source', 'moose', 'delivery_id', v_delivery.id, 'alert_id', NULL,
        'alert_ids', v_ids, 'channel', v_channel, 'severity', coalesce(v_top, 'info'), 'kind', 'alert.summary',
        'title', format('%s alert(s) held back on channel %s (throttle: %s per %s)', v_count, v_channel,
                        private.config_numeric('alert_throttle_limit'), private.config_interval('alert_throttle_window')),
        'body', v_lines, 'held_count', v_count, 'by_severity', v_by_severity, 'held', v_held,
        'context', '{}'::jsonb, 'occurrences', 1, 'created_at', v_delivery.created_at,
        'last_raised_at', v_delivery.created_at);
END
$$;

REVOKE ALL ON FUNCTION private.alert_message(bigint) FROM PUBLIC;

COMMENT ON FUNCTION private.alert_message(bigint) IS 'The channel-neutral message of a delivery as jsonb: type alert (the alert''s fields) or alert_summary (held-back alerts), always with delivery_id and alert_id/alert_ids.';
