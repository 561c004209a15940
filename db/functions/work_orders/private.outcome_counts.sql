-- Outcome vectors (attempts, failures) created in [p_from, p_to): whole UTC hours from
-- outcome_hourly_stats where the rollup covers them contiguously, raw rows for the rest (the
-- partial hour at the start, everything after the last rolled hour). Raw counts use the index on
-- created_at (index-only) and the partial index on failures. Without rollup rows it is a plain
-- raw count, so the answer never depends on the scheduler having run.
CREATE OR REPLACE FUNCTION private.outcome_counts(p_from timestamptz, p_to timestamptz,
                                                  OUT attempts bigint, OUT failures bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_first timestamptz := date_trunc('hour', p_from, 'UTC');
    v_last timestamptz;
    v_rows bigint;
    v_edge record;
BEGIN
    IF v_first < p_from THEN
        v_first := v_first + interval '1 hour';
    END IF;
    SELECT max(s.hour) + interval '1 hour', count(*), coalesce(sum(s.attempts), 0), coalesce(sum(s.failures), 0)
    INTO v_last, v_rows, attempts, failures
    FROM public.outcome_hourly_stats AS s
    WHERE s.hour >= v_first AND s.hour + interval '1 hour' <= p_to;
    IF v_rows = 0 OR v_rows <> extract(epoch FROM v_last - v_first) / 3600 THEN
        -- no rollup, or a gap in it: count everything raw
        v_first := p_to;
        v_last := p_to;
        attempts := 0;
        failures := 0;
    END IF;
    -- The raw edges before and after the rolled hours; one range per query, so each is an
    -- index(-only) range scan.
    FOR v_edge IN SELECT * FROM (VALUES (p_from, v_first), (v_last, p_to)) AS e(lo, hi) WHERE e.lo < e.hi LOOP
        attempts := attempts + (SELECT count(*) FROM public.outcome_vectors AS o
                                WHERE o.created_at >= v_edge.lo AND o.created_at < v_edge.hi);
        failures := failures + (SELECT count(*) FROM public.outcome_vectors AS o
                                WHERE NOT o.success AND o.created_at >= v_edge.lo AND o.created_at < v_edge.hi);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION private.outcome_counts(timestamptz, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.outcome_counts(timestamptz, timestamptz) IS 'Attempts and failures among outcome vectors created in [p_from, p_to): rolled-up hours plus raw edges; raw only when the rollup is missing or has a gap.';
