-- The runner's fallback when execute_job's own transaction failed (the connection dropped, or
-- the statement timeout fired outside the job): record the run as failed or timed out, back the
-- job off and alert, as execute_job would have.
CREATE OR REPLACE FUNCTION public.fail_job(
    p_run_id bigint, p_holder text, p_error text, p_sqlstate text DEFAULT NULL, p_now timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_holder text := private.check_holder(p_holder);
    v_now timestamptz := private.scheduler_now(p_now);
    v_run public.job_runs%ROWTYPE;
    v_lease public.job_leases%ROWTYPE;
BEGIN
    IF p_run_id IS NULL OR p_error IS NULL THEN
        RAISE EXCEPTION 'run id and error must not be NULL'
            USING ERRCODE = '22004', HINT = 'Pass the run_id from claim_job and the error text.';
    END IF;
    IF p_sqlstate IS NOT NULL AND p_sqlstate !~ '^[0-9A-Z]{5}$' THEN
        RAISE EXCEPTION 'SQLSTATE must be five characters, got %', quote_literal(left(p_sqlstate, 20))
            USING ERRCODE = '22023', HINT = 'E.g. 57014 for a statement timeout, or NULL.';
    END IF;
    SELECT * INTO v_run FROM public.job_runs AS r WHERE r.id = p_run_id FOR UPDATE;
    PERFORM private.check_found(FOUND, 'job run', p_run_id, 'Pass the run_id that claim_job returned.');
    SELECT * INTO v_lease FROM public.job_leases AS l WHERE l.run_id = p_run_id;
    IF v_run.outcome <> 'running' OR NOT FOUND OR v_lease.holder <> v_holder THEN
        RAISE EXCEPTION 'runner % does not hold the lease for job run % (outcome %)', v_holder, p_run_id, v_run.outcome
            USING ERRCODE = '55000', HINT = 'The run already ended or was handed to another runner; nothing to record.';
    END IF;
    RETURN private.finish_job_run(p_run_id, CASE WHEN p_sqlstate = '57014' THEN 'timed_out' ELSE 'failed' END,
                                  NULL, p_error, p_sqlstate, v_now,
                                  CASE WHEN p_now IS NULL THEN clock_timestamp() ELSE v_now END);
END
$$;

REVOKE ALL ON FUNCTION public.fail_job(bigint, text, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.fail_job(bigint, text, text, text, timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.fail_job(bigint, text, text, text, timestamptz) IS 'Record a claimed job run as failed (timed_out for SQLSTATE 57014) when execute_job''s transaction could not commit: backs the job off, alerts, releases the lease.';
