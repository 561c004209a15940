-- A runner takes the most overdue enabled job (or, for a manual run, the named one) with a
-- lease: a row that says who runs it until when. FOR UPDATE SKIP LOCKED lets runners pass each
-- other without waiting; the lease row, not a session lock, is what other runners respect, so
-- this works through PgBouncer in transaction mode. A lease past its expiry belongs to a dead
-- runner: its run is marked abandoned (its work rolled back with its transaction) and the job
-- is claimed again, so nothing is lost and nothing runs twice.
CREATE OR REPLACE FUNCTION public.claim_job(p_holder text, p_now timestamptz DEFAULT NULL, p_name text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_holder text := private.check_holder(p_holder);
    v_now timestamptz := private.scheduler_now(p_now);
    v_job public.jobs%ROWTYPE;
    v_old public.job_leases%ROWTYPE;
    v_run_id bigint;
    v_expires timestamptz;
BEGIN
    IF p_name IS NULL THEN
        SELECT j.* INTO v_job
        FROM public.jobs AS j
        WHERE j.enabled AND j.next_run_at <= v_now
          AND NOT EXISTS (SELECT 1 FROM public.job_leases AS l WHERE l.job_name = j.name AND l.expires_at > v_now)
        ORDER BY j.next_run_at, j.name
        LIMIT 1
        FOR UPDATE OF j SKIP LOCKED;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    ELSE
        PERFORM private.check_text('job name', p_name, 63, 'List the jobs with: moose jobs list (or SELECT name FROM jobs).');
        SELECT j.* INTO v_job FROM public.jobs AS j WHERE j.name = p_name FOR UPDATE OF j;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown job %', quote_literal(left(p_name, 80))
                USING ERRCODE = 'P0002', HINT = 'List the jobs with: moose jobs list (or SELECT name FROM jobs).';
        END IF;
    END IF;

    -- Reap an expired lease: its holder died or hung past its statement timeout.
    DELETE FROM public.job_leases AS l
    WHERE l.job_name = v_job.name AND l.expires_at <= v_now
    RETURNING * INTO v_old;
    IF FOUND THEN
        UPDATE public.job_runs AS r
        SET outcome = 'abandoned', finished_at = v_now,
            error = format('lease held by %s expired at %s: the runner died or hung; its work was rolled back',
                           v_old.holder, v_old.expires_at)
        WHERE r.id = v_old.run_id AND r.outcome = 'running';
        UPDATE public.jobs AS j SET last_outcome = 'abandoned' WHERE j.name = v_job.name;
    END IF;

    v_expires := v_now + private.duration(v_job.statement_timeout) + private.config_interval('job_lease_grace');
    INSERT INTO public.job_leases (job_name, holder, acquired_at, expires_at)
    VALUES (v_job.name, v_holder, v_now, v_expires)
    ON CONFLICT (job_name) DO NOTHING;
    IF NOT FOUND THEN
        IF p_name IS NULL THEN
            RETURN NULL;  -- another runner got it a moment before us
        END IF;
        RAISE EXCEPTION 'job % is running on %', v_job.name,
                (SELECT l.holder FROM public.job_leases AS l WHERE l.job_name = v_job.name)
            USING ERRCODE = '55000', HINT = 'Wait for that run to finish (moose jobs list shows the lease).';
    END IF;

    INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at)
    VALUES (v_job.name, v_holder, v_job.next_run_at, v_now)
    RETURNING id INTO v_run_id;
    UPDATE public.job_leases AS l SET run_id = v_run_id WHERE l.job_name = v_job.name;

    RETURN jsonb_build_object(
        'run_id', v_run_id,
        'job', v_job.name,
        'function', v_job.function_name,
        'statement_timeout_ms', (extract(epoch FROM v_job.statement_timeout) * 1000)::bigint,
        'lease_expires_at', v_expires,
        'scheduled_for', v_job.next_run_at);
END
$$;

REVOKE ALL ON FUNCTION public.claim_job(text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.claim_job(text, timestamptz, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.claim_job(text, timestamptz, text) IS 'Claim the most overdue enabled job (or the named one) for runner p_holder with a lease that expires after the job''s statement timeout plus job_lease_grace. Returns {run_id, job, function, statement_timeout_ms, lease_expires_at} or NULL when nothing is due. Reaps expired leases (their runs become abandoned). Then call execute_job in a transaction with that statement_timeout.';
