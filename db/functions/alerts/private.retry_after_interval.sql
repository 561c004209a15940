-- A receiver's Retry-After header (RFC 9110: delay-seconds, or an HTTP-date such as
-- "Thu, 26 Nov 2026 12:01:30 GMT") as the interval to wait from p_now; the runner and the
-- pg_net path both pass the header as received and this one rule reads it. NULL when absent or
-- unreadable: a malformed header from someone else's server must not lose the attempt's
-- record, so the backoff alone decides then. Never negative, never more than a year.
CREATE OR REPLACE FUNCTION private.retry_after_interval(p_header text, p_now timestamptz DEFAULT now()) RETURNS interval
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_value text := btrim(p_header);
    v_at timestamptz;
BEGIN
    IF v_value IS NULL OR v_value = '' OR length(v_value) > 64 THEN
        RETURN NULL;
    END IF;
    IF v_value ~ '^[0-9]{1,12}$' THEN
        RETURN make_interval(secs => least(v_value::bigint, 31536000)::double precision);
    END IF;
    IF v_value !~ '^[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' THEN
        RETURN NULL;  -- only the IMF-fixdate form senders must use (RFC 9110 5.6.7)
    END IF;
    BEGIN
        v_at := v_value::timestamptz;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RETURN NULL;
    END;
    RETURN private.duration(least(greatest(v_at - p_now, interval '0'), interval '365 days'));
END
$$;

REVOKE ALL ON FUNCTION private.retry_after_interval(text, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.retry_after_interval(text, timestamptz) IS 'A Retry-After header value (delay-seconds or IMF-fixdate HTTP-date) as the wait from p_now, clamped to 0..1 year; NULL when absent or unreadable.';
