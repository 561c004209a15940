-- Scheduled (every few minutes): recomputes outcome_hourly_stats for the last p_hours complete
-- UTC hours, and for every hour of the last 25 that has no row yet (first run, or after the job
-- was down), so the rows system_health() sums are contiguous. Hours without outcome vectors get
-- a zero row. One statement: a run is all or nothing. A row inserted later with a created_at
-- older than p_hours complete hours is not counted until that hour is recomputed
-- (rollup_outcome_hours(48) recomputes two days). Returns the number of hours written.
CREATE OR REPLACE FUNCTION public.rollup_outcome_hours(p_hours integer DEFAULT 2) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_to timestamptz := date_trunc('hour', now(), 'UTC');
    v_from timestamptz;
    v_missing timestamptz;
    v_count integer;
BEGIN
    PERFORM private.check_range('hours', p_hours, 1, 2160,
        'The scheduler passes 2; pass more (at most 2160, 90 days) to recompute late rows.');
    v_from := v_to - make_interval(hours => p_hours);
    SELECT min(h.hour) INTO v_missing
    FROM generate_series(v_to - interval '25 hours', v_to - interval '1 hour', interval '1 hour') AS h(hour)
    WHERE NOT EXISTS (SELECT 1 FROM public.outcome_hourly_stats AS s WHERE s.hour = h.hour);
    v_from := least(v_from, coalesce(v_missing, v_from));

    -- one range scan over the window, grouped by hour; hours without rows get zeros
    INSERT INTO public.outcome_hourly_stats AS s (hour, attempts, failures, cost, rolled_up_at)
    SELECT h.hour, coalesce(c.attempts, 0), coalesce(c.failures, 0), coalesce(c.cost, 0), now()
    FROM generate_series(v_from, v_to - interval '1 hour', interval '1 hour') AS h(hour)
    LEFT JOIN (SELECT date_trunc('hour', o.created_at, 'UTC') AS hour, count(*) AS attempts,
                      count(*) FILTER (WHERE NOT o.success) AS failures, sum(o.cost) AS cost
               FROM public.outcome_vectors AS o
               WHERE o.created_at >= v_from AND o.created_at < v_to
               GROUP BY 1) AS c ON c.hour = h.hour
    ON CONFLICT (hour) DO UPDATE
        SET attempts = EXCLUDED.attempts, failures = EXCLUDED.failures, cost = EXCLUDED.cost,
            rolled_up_at = EXCLUDED.rolled_up_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION public.rollup_outcome_hours(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rollup_outcome_hours(integer) TO service_role, moose_runner;

COMMENT ON FUNCTION public.rollup_outcome_hours(integer) IS 'Scheduled: recompute outcome_hourly_stats for the last p_hours complete UTC hours (and any missing hour of the last 25). Returns hours written.';
