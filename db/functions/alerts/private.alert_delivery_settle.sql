-- Records the outcome of one sending attempt, for the runner (record_alert_delivery_result) and
-- pg_net (reconcile_alert_deliveries) alike, so both paths follow one rule:
--   2xx and no transport error -> delivered;
--   otherwise, before alert_max_attempts -> pending again after exponential backoff with jitter:
--     d = least(alert_retry_cap, alert_retry_base * 2^(attempts-1)); wait d/2 + random() * d/2,
--     or longer when the receiver asked for it (HTTP Retry-After, e.g. Slack's 429): then at
--     least that long, up to alert_retry_cap (a receiver cannot park an alert for a day);
--   at alert_max_attempts -> failed, and one error alert about the channel itself
--     (kind alert.channel_failed, deduplicated per channel by raise_alert, not sent to the
--     failing channel).
-- The caller has checked that the row is 'sending'. Returns delivered, retry or failed.
CREATE OR REPLACE FUNCTION private.alert_delivery_settle(
    p_delivery_id bigint, p_status_code integer, p_error text, p_retry_after interval DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_delivery public.alert_deliveries%ROWTYPE;
    v_channel text;
    v_error text;
    v_delay interval;
BEGIN
    SELECT * INTO v_delivery FROM public.alert_deliveries AS d WHERE d.id = p_delivery_id FOR UPDATE;

    IF p_error IS NULL AND p_status_code BETWEEN 200 AND 299 THEN
        UPDATE public.alert_deliveries AS d
        SET status = 'delivered', delivered_at = now(), last_status_code = p_status_code, last_error = NULL,
            updated_at = now()
        WHERE d.id = p_delivery_id;
        RETURN 'delivered';
    END IF;

    v_error := left(coalesce(p_error, format('HTTP %s', p_status_code)), 1000);
    IF v_delivery.attempts < private.config_numeric('alert_max_attempts') THEN
        v_delay := least(private.config_interval('alert_retry_cap'),
                         private.config_interval('alert_retry_base') * power(2, least(v_delivery.attempts - 1, 30)));
        UPDATE public.alert_deliveries AS d
        SET status = 'pending',
            next_attempt_at = now() + greatest(v_delay / 2 + v_delay / 2 * random(),
                                               least(coalesce(p_retry_after, interval '0'),
                                                     private.config_interval('alert_retry_cap'))),
            last_status_code = p_status_code, last_error = v_error, updated_at = now()
        WHERE d.id = p_delivery_id;
        RETURN 'retry';
    END IF;

    UPDATE public.alert_deliveries AS d
    SET status = 'failed', last_status_code = p_status_code, last_error = v_error, updated_at = now()
    WHERE d.id = p_delivery_id;
    SELECT c.name INTO v_channel FROM public.alert_channels AS c WHERE c.id = v_delivery.channel_id;
    PERFORM public.raise_alert(
        'error', 'alert.channel_failed',
        format('Alert channel %s is failing', v_channel),
        format('Delivery %s (%s) to channel %s failed after %s attempts. Last error: %s. '
               'Check the channel (moose alerts test-channel %s), then re-queue with moose alerts retry %s.',
               v_delivery.id, coalesce('alert #' || v_delivery.alert_id, 'throttle summary'), v_channel,
               v_delivery.attempts, v_error, v_channel, v_delivery.id),
        'alert_channel_failed:' || v_channel,
        jsonb_build_object('channel', v_channel, 'exclude_channel', v_channel, 'delivery_id', v_delivery.id,
                           'alert_id', v_delivery.alert_id, 'attempts', v_delivery.attempts, 'last_error', v_error));
    RETURN 'failed';
END
$$;

REVOKE ALL ON FUNCTION private.alert_delivery_settle(bigint, integer, text, interval) FROM PUBLIC;

COMMENT ON FUNCTION private.alert_delivery_settle(bigint, integer, text, interval) IS 'Apply one attempt''s outcome to a sending delivery: delivered (2xx), retry with exponential backoff and jitter (at least p_retry_after, the receiver''s Retry-After, up to alert_retry_cap), or failed after alert_max_attempts with one alert.channel_failed alert. Returns delivered, retry or failed.';
