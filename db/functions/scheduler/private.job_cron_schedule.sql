-- The cron expression pg_cron uses for a job's interval: the largest step that divides the hour
-- (or the day) and is not longer than the interval. pg_cron 1.4 counts in minutes, so shorter
-- intervals run every minute; a day or more runs daily at 00:00 (cron.timezone).
CREATE OR REPLACE FUNCTION private.job_cron_schedule(p_interval interval) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_seconds numeric := extract(epoch FROM p_interval);
    v_step integer;
BEGIN
    IF p_interval IS NULL OR v_seconds <= 0 THEN
        RAISE EXCEPTION 'a job interval must be positive, got %', coalesce(p_interval::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'E.g. interval ''5 minutes''.';
    END IF;
    IF v_seconds < 3600 THEN
        SELECT max(d) INTO v_step FROM unnest(ARRAY[1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]) AS d
        WHERE d <= greatest(1, floor(v_seconds / 60));
        RETURN CASE WHEN v_step = 1 THEN '* * * * *' ELSE format('*/%s * * * *', v_step) END;
    ELSIF v_seconds < 86400 THEN
        SELECT max(d) INTO v_step FROM unnest(ARRAY[1, 2, 3, 4, 6, 8, 12]) AS d WHERE d <= floor(v_seconds / 3600);
        RETURN CASE WHEN v_step = 1 THEN '0 * * * *' ELSE format('0 */%s * * *', v_step) END;
    END IF;
    RETURN '0 0 * * *';
END
$$;

REVOKE ALL ON FUNCTION private.job_cron_schedule(interval) FROM PUBLIC;

COMMENT ON FUNCTION private.job_cron_schedule(interval) IS 'Cron expression for a job interval: the largest step dividing the hour or day not above the interval; at least every minute, at most daily.';
