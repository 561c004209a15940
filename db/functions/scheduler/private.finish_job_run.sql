-- Records how a job run ended and what happens next, in the caller's transaction: the run row,
-- the lease released, and the job's schedule. Success clears the failure streak (and says so
-- once if there was one); a failure backs off exponentially (run_interval * 2^(n-1), capped at
-- job_max_backoff) and alerts once per failure streak, so a broken job is heard about without
-- spamming. A job whose result says {"more": true} is due again at once (batched work drains).
CREATE OR REPLACE FUNCTION private.finish_job_run(
    p_run_id bigint,
    p_outcome text,
    p_result jsonb,
    p_error text,
    p_sqlstate text,
    p_now timestamptz,
    p_finished_at timestamptz
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_run public.job_runs%ROWTYPE;
    v_job public.jobs%ROWTYPE;
    v_rows bigint;
    v_delay interval;
    v_next timestamptz;
BEGIN
    IF p_outcome NOT IN ('succeeded', 'failed', 'timed_out') THEN
        RAISE EXCEPTION 'a job run ends succeeded, failed or timed_out, got %', coalesce(quote_literal(p_outcome), 'NULL')
            USING ERRCODE = '22023', HINT = 'Internal: called by execute_job, fail_job and run_job.';
    END IF;
    v_rows := CASE jsonb_typeof(p_result)
                  WHEN 'number' THEN trunc((p_result #>> '{}')::numeric)::bigint
                  WHEN 'object' THEN CASE WHEN jsonb_typeof(p_result -> 'rows_affected') = 'number'
                                          THEN trunc((p_result ->> 'rows_affected')::numeric)::bigint END
              END;

    UPDATE public.job_runs AS r
    SET finished_at = p_finished_at, outcome = p_outcome, rows_affected = v_rows, result = p_result,
        error = left(p_error, 4000), error_sqlstate = p_sqlstate
    WHERE r.id = p_run_id
    RETURNING * INTO v_run;
    DELETE FROM public.job_leases AS l WHERE l.run_id = p_run_id;
    SELECT * INTO v_job FROM public.jobs AS j WHERE j.name = v_run.job_name FOR UPDATE;

    IF p_outcome = 'succeeded' THEN
        IF jsonb_typeof(p_result) = 'object' AND p_result -> 'more' = 'true'::jsonb THEN
            v_next := p_now;
        ELSIF v_job.next_run_at <= p_now THEN
            -- It was due: the next slot on its grid, or one interval from now after an outage.
            v_next := v_job.next_run_at + private.duration(v_job.run_interval);
            IF v_next <= p_now THEN
                v_next := p_now + private.duration(v_job.run_interval);
            END IF;
        ELSE
            v_next := v_job.next_run_at;  -- a manual run leaves the schedule alone
        END IF;
        IF v_job.consecutive_failures > 0 THEN
            PERFORM public.raise_alert(
                'info', 'job.recovered', format('Job %s recovered', v_job.name),
                format('Job %s succeeded after %s failed run(s) since %s.', v_job.name, v_job.consecutive_failures,
                       to_char(v_job.failing_since, 'YYYY-MM-DD HH24:MI:SS TZ')),
                format('job_recovered:%s:%s', v_job.name, extract(epoch FROM v_job.failing_since)),
                jsonb_build_object('job', v_job.name, 'failures', v_job.consecutive_failures, 'run_id', p_run_id));
        END IF;
        UPDATE public.jobs AS j
        SET next_run_at = v_next, consecutive_failures = 0, failing_since = NULL,
            last_run_at = v_run.started_at, last_outcome = p_outcome, last_error = NULL
        WHERE j.name = v_job.name;
    ELSE
        v_delay := least(private.duration(v_job.run_interval) * power(2, least(v_job.consecutive_failures, 30))::numeric,
                         greatest(private.config_interval('job_max_backoff'), private.duration(v_job.run_interval)));
        v_next := p_now + v_delay;
        UPDATE public.jobs AS j
        SET next_run_at = v_next, consecutive_failures = j.consecutive_failures + 1,
            failing_since = coalesce(j.failing_since, p_now),
            last_run_at = v_run.started_at, last_outcome = p_outcome, last_error = left(p_error, 4000)
        WHERE j.name = v_job.name
        RETURNING * INTO v_job;
        -- One alert per failure streak (the key names the streak), counted up on every failure.
        PERFORM public.raise_alert(
            'error', 'job.failed', format('Job %s %s', v_job.name, replace(p_outcome, '_', ' ')),
            format('Job %s (%s) %s: %s [SQLSTATE %s]. %s failure(s) in a row; next try at %s.',
                   v_job.name, v_job.function_name, replace(p_outcome, '_', ' '), left(coalesce(p_error, '?'), 2000),
                   coalesce(p_sqlstate, '-'), v_job.consecutive_failures, to_char(v_next, 'YYYY-MM-DD HH24:MI:SS TZ')),
            format('job_failed:%s:%s', v_job.name, extract(epoch FROM v_job.failing_since)),
            jsonb_build_object('job', v_job.name, 'run_id', p_run_id, 'outcome', p_outcome, 'sqlstate', p_sqlstate,
                               'failures', v_job.consecutive_failures, 'next_run_at', v_next));
    END IF;

    RETURN jsonb_build_object('run_id', p_run_id, 'job', v_run.job_name, 'outcome', p_outcome,
                              'rows_affected', v_rows, 'result', p_result, 'error', p_error,
                              'sqlstate', p_sqlstate, 'next_run_at', v_next);
END
$$;

REVOKE ALL ON FUNCTION private.finish_job_run(bigint, text, jsonb, text, text, timestamptz, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.finish_job_run(bigint, text, jsonb, text, text, timestamptz, timestamptz) IS 'Ends a job run: records outcome and rows, releases the lease, schedules the next run (backoff after failure), alerts once per failure streak and once on recovery.';
