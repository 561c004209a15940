-- Runs a claimed job and records the run in the same transaction, so the job's work and its
-- record commit together or not at all (a runner killed here loses its transaction, and the
-- lease expiry hands the job to the next claim). The caller sets the job's statement_timeout on
-- the transaction; a timeout or error inside the job is caught, its work rolled back, and the
-- failure recorded with backoff and an alert. A lease that is no longer ours refuses to run.
CREATE OR REPLACE FUNCTION public.execute_job(p_run_id bigint, p_holder text, p_now timestamptz DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_owner text;
    v_holder text := private.check_holder(p_holder);
    v_now timestamptz := private.scheduler_now(p_now);
    v_run public.job_runs%ROWTYPE;
    v_lease public.job_leases%ROWTYPE;
    v_function text;
    v_result jsonb;
    v_outcome text := 'succeeded';
    v_error text;
    v_sqlstate text;
BEGIN
    PERFORM private.check_required('run id', p_run_id, 'Pass the run_id that claim_job returned.');
    SELECT * INTO v_run FROM public.job_runs AS r WHERE r.id = p_run_id;
    PERFORM private.check_found(FOUND, 'job run', p_run_id, 'Pass the run_id that claim_job returned.');
    SELECT * INTO v_lease FROM public.job_leases AS l WHERE l.job_name = v_run.job_name FOR UPDATE;
    IF v_run.outcome <> 'running' OR NOT FOUND OR v_lease.run_id IS DISTINCT FROM p_run_id
       OR v_lease.holder <> v_holder THEN
        RAISE EXCEPTION 'runner % does not hold the lease for job run % (outcome %)', v_holder, p_run_id, v_run.outcome
            USING ERRCODE = '55000',
                  HINT = 'The lease expired and the job was handed on, or the run already ended: claim the job again.';
    END IF;
    SELECT j.function_name, j.owner_role INTO v_function, v_owner FROM public.jobs AS j WHERE j.name = v_run.job_name;

    BEGIN
        v_result := private.call_job_function(v_function, v_now, v_owner);
    EXCEPTION
        WHEN query_canceled THEN
            GET STACKED DIAGNOSTICS v_error = MESSAGE_TEXT, v_sqlstate = RETURNED_SQLSTATE;
            v_outcome := 'timed_out';
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_error = MESSAGE_TEXT, v_sqlstate = RETURNED_SQLSTATE;
            v_outcome := 'failed';
    END;

    RETURN private.finish_job_run(p_run_id, v_outcome, v_result, v_error, v_sqlstate, v_now,
                                  CASE WHEN p_now IS NULL THEN clock_timestamp() ELSE v_now END);
END
$$;

REVOKE ALL ON FUNCTION public.execute_job(bigint, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.execute_job(bigint, text, timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.execute_job(bigint, text, timestamptz) IS 'Run a job claimed with claim_job and record the run in the same transaction. Errors and statement timeouts inside the job are recorded (failed / timed_out), its work rolled back, the job backed off and alerted. 55000 when the lease is no longer the caller''s. Returns {run_id, job, outcome, rows_affected, result, error, next_run_at}.';
