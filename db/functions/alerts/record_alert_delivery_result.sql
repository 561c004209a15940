-- The runner reports one attempt: the HTTP status it got, or the transport error (timeout,
-- refused connection) when there was none. The decision (delivered, retry with backoff, failed
-- plus a channel alert) is private.alert_delivery_settle's. A report for an attempt that is no
-- longer current (the lease expired and another sender took the row, or it was settled) is
-- answered 'stale' and changes nothing: that is a normal answer, not an error. A receiver that
-- said how long to wait (its Retry-After header, passed as received) is not retried sooner (up
-- to alert_retry_cap); private.retry_after_interval reads the header.
CREATE OR REPLACE FUNCTION public.record_alert_delivery_result(
    p_delivery_id bigint,
    p_attempt integer,
    p_status_code integer,
    p_error text DEFAULT NULL,
    p_retry_after text DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_delivery public.alert_deliveries%ROWTYPE;
BEGIN
    IF p_delivery_id IS NULL OR p_attempt IS NULL THEN
        RAISE EXCEPTION 'delivery id and attempt are required'
            USING ERRCODE = '22004', HINT = 'Pass the delivery_id and attempt returned by claim_alert_deliveries.';
    END IF;
    IF p_status_code IS NULL AND p_error IS NULL THEN
        RAISE EXCEPTION 'give the HTTP status code, or the error when no response came'
            USING ERRCODE = '22004', HINT = 'E.g. (42, 1, 200) or (42, 1, NULL, ''timeout after 10000 ms'').';
    END IF;
    IF p_status_code NOT BETWEEN 100 AND 599 THEN
        RAISE EXCEPTION 'HTTP status code must be between 100 and 599, got %', p_status_code
            USING ERRCODE = '22023', HINT = 'Pass NULL with p_error when there was no response.';
    END IF;
    IF length(p_error) > 10000 THEN
        RAISE EXCEPTION 'error text must be at most 10000 characters, got %', length(p_error)
            USING ERRCODE = '22023', HINT = 'Truncate the error.';
    END IF;

    SELECT * INTO v_delivery FROM public.alert_deliveries AS d WHERE d.id = p_delivery_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert delivery % does not exist', p_delivery_id
            USING ERRCODE = 'P0002', HINT = 'Pass a delivery_id returned by claim_alert_deliveries.';
    END IF;
    IF v_delivery.status <> 'sending' OR v_delivery.attempts <> p_attempt THEN
        RETURN 'stale';
    END IF;
    RETURN private.alert_delivery_settle(p_delivery_id, p_status_code, p_error,
                                         private.retry_after_interval(p_retry_after));
END
$$;

REVOKE ALL ON FUNCTION public.record_alert_delivery_result(bigint, integer, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.record_alert_delivery_result(bigint, integer, integer, text, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.record_alert_delivery_result(bigint, integer, integer, text, text) IS 'Runner: report one attempt of a claimed delivery (HTTP status, or error text when no response; the receiver''s Retry-After header as received, when it sent one). Returns delivered, retry (backoff with jitter), failed (after alert_max_attempts; raises alert.channel_failed) or stale (the attempt is no longer current; nothing changed).';
