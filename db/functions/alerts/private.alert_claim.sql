-- Claims due deliveries for one sender (the runner or dispatch_alerts), channel by channel:
--  1. a channel is worked by one claimer at a time (try-lock; another claimer skips it, so
--     two runners never count the same throttle window twice or claim the same row);
--  2. throttle: fresh rows beyond alert_throttle_limit first sends per alert_throttle_window
--     are marked throttled and attached to the channel's pending summary delivery (created
--     due one window later), so a storm becomes one message listing what was held back;
--     the most severe alerts are kept, retries and summaries are never throttled;
--  3. at most alert_channel_max_in_flight rows per channel are out at once, so a hanging
--     receiver ties up only that many senders;
--  4. claimed rows become 'sending' with attempts+1 and a lease: next_attempt_at is when the
--     row is due again if its sender dies before recording the result (at least once).
-- Due means: pending and next_attempt_at passed, or sending and the lease expired.
CREATE OR REPLACE FUNCTION private.alert_claim(p_worker text, p_limit integer, p_via text) RETURNS SETOF bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cap integer := private.config_numeric('alert_throttle_limit')::integer;
    v_window interval := private.config_interval('alert_throttle_window');
    v_max_in_flight integer := private.config_numeric('alert_channel_max_in_flight')::integer;
    v_lease interval := greatest(private.config_interval('alert_delivery_lease'),
                                 private.config_interval('alert_delivery_timeout') + interval '1 second');
    v_left integer := p_limit;
    v_channel_id bigint;
    v_budget integer;
    v_throttled integer;
    v_summary_id bigint;
    v_in_flight integer;
    v_take integer;
    v_ids bigint[];
BEGIN
    FOR v_channel_id IN
        SELECT c.id FROM public.alert_channels AS c
        WHERE c.enabled
          AND EXISTS (SELECT 1 FROM public.alert_deliveries AS d
                      WHERE d.channel_id = c.id AND d.status IN ('pending', 'sending') AND d.next_attempt_at <= now())
        ORDER BY c.id
    LOOP
        EXIT WHEN v_left <= 0;
        CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtextextended('moose.alert_channel:' || v_channel_id, 0));

        SELECT greatest(v_cap - count(*), 0)::integer INTO v_budget
        FROM public.alert_deliveries AS d
        WHERE d.channel_id = v_channel_id AND NOT d.is_summary AND d.first_attempt_at > now() - v_window;

        UPDATE public.alert_deliveries AS d
        SET status = 'throttled', updated_at = now()
        WHERE d.id IN (
            SELECT f.id FROM (
                SELECT d2.id, row_number() OVER (ORDER BY private.alert_severity_rank(a.severity) DESC, d2.id) AS rn
                FROM public.alert_deliveries AS d2 JOIN public.alerts AS a ON a.id = d2.alert_id
                WHERE d2.channel_id = v_channel_id AND d2.status = 'pending' AND d2.attempts = 0
                  AND NOT d2.is_summary AND d2.next_attempt_at <= now()) AS f
            WHERE f.rn > v_budget);
        GET DIAGNOSTICS v_throttled = ROW_COUNT;
        IF v_throttled > 0 THEN
            SELECT d.id INTO v_summary_id FROM public.alert_deliveries AS d
            WHERE d.channel_id = v_channel_id AND d.is_summary AND d.status = 'pending' AND d.attempts = 0
            ORDER BY d.id LIMIT 1;
            IF v_summary_id IS NULL THEN
                INSERT INTO public.alert_deliveries (channel_id, is_summary, next_attempt_at)
                VALUES (v_channel_id, true, now() + v_window)
                RETURNING id INTO v_summary_id;
            END IF;
            UPDATE public.alert_deliveries AS d SET summary_id = v_summary_id
            WHERE d.channel_id = v_channel_id AND d.status = 'throttled' AND d.summary_id IS NULL;
        END IF;

        SELECT count(*)::integer INTO v_in_flight FROM public.alert_deliveries AS d
        WHERE d.channel_id = v_channel_id AND d.status = 'sending' AND d.next_attempt_at > now();
        v_take := least(v_left, greatest(v_max_in_flight - v_in_flight, 0));
        CONTINUE WHEN v_take = 0;

        WITH due AS (
            SELECT d.id FROM public.alert_deliveries AS d LEFT JOIN public.alerts AS a ON a.id = d.alert_id
            WHERE d.channel_id = v_channel_id AND d.status IN ('pending', 'sending') AND d.next_attempt_at <= now()
            ORDER BY coalesce(private.alert_severity_rank(a.severity), 5) DESC, d.id
            LIMIT v_take
            FOR UPDATE OF d SKIP LOCKED
        ), claimed AS (
            UPDATE public.alert_deliveries AS d
            SET status = 'sending', attempts = d.attempts + 1, via = p_via, claimed_by = p_worker,
                net_request_id = NULL, first_attempt_at = coalesce(d.first_attempt_at, now()),
                last_attempt_at = now(), next_attempt_at = now() + v_lease, updated_at = now()
            FROM due WHERE d.id = due.id
            RETURNING d.id
        )
        SELECT array_agg(claimed.id ORDER BY claimed.id) INTO v_ids FROM claimed;
        v_left := v_left - coalesce(cardinality(v_ids), 0);
        RETURN QUERY SELECT unnest(v_ids);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION private.alert_claim(text, integer, text) FROM PUBLIC;

COMMENT ON FUNCTION private.alert_claim(text, integer, text) IS 'Claim up to p_limit due deliveries (FOR UPDATE SKIP LOCKED, one claimer per channel), applying the per-channel throttle (summary) and in-flight cap; returns the claimed delivery ids, now sending under a lease.';
